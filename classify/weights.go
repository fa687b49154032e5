package classify

// priorBias is the log-odds of an account with no signal before fitting: a
// directory holds more people than machines.
const priorBias = -1.5

// weights and bias are the shipped model: the weights fitted on the whole
// evaluation corpus (weights_fitted.go, written by TestFitWeights), and the
// prior of any signal the fit does not know.
var weights, bias = shippedWeights()

func shippedWeights() ([nFeatures]float64, float64) {
	var w [nFeatures]float64
	for i, f := range featureDefs {
		w[i] = f.prior
		if x, ok := fittedWeights[f.name]; ok {
			w[i] = x
		}
	}
	return w, fittedBias
}
