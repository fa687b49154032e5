package demo

// Deterministic ids. mica.NewID is random; the demo tenant needs the same ids
// for the same seed, so every id is a hash of (seed, kind of object, index).

// Id namespaces: one per kind of object, so that indexes never collide.
const (
	nsIdentity uint64 = iota + 1
	nsSource
	nsAccessProfile
	nsApp
	nsGUID // objectGUID / Entra object ids
	nsAppID
	nsAccount // nsAccount + source index
)

// mix64 is the SplitMix64 finalizer: a bijection that scatters its input.
func mix64(x uint64) uint64 {
	x ^= x >> 30
	x *= 0xbf58476d1ce4e5b9
	x ^= x >> 27
	x *= 0x94d049bb133111eb
	x ^= x >> 31
	return x
}

// hash128 hashes (seed, ns, idx) to 128 bits.
func hash128(seed, ns, idx uint64) (uint64, uint64) {
	a := mix64(seed + 0x9e3779b97f4a7c15*ns)
	a = mix64(a ^ (idx + 0x632be59bd9b4e019))
	b := mix64(a ^ 0xd1b54a32d192ed03 ^ ns<<32)
	return a, b
}

const hexDigits = "0123456789abcdef"

// makeID returns the 32-hex-character id of object idx of namespace ns.
func makeID(seed, ns, idx uint64) string {
	a, b := hash128(seed, ns, idx)
	var buf [32]byte
	for i := 0; i < 16; i++ {
		buf[15-i] = hexDigits[a&15]
		a >>= 4
		buf[31-i] = hexDigits[b&15]
		b >>= 4
	}
	return string(buf[:])
}

// makeGUID returns a GUID-shaped (8-4-4-4-12, version 4) id of object idx of namespace ns.
func makeGUID(seed, ns, idx uint64) string {
	id := makeID(seed, ns, idx)
	var buf [36]byte
	j := 0
	for i := 0; i < 32; i++ {
		if i == 8 || i == 12 || i == 16 || i == 20 {
			buf[j] = '-'
			j++
		}
		buf[j] = id[i]
		j++
	}
	buf[14] = '4'
	buf[19] = "89ab"[id[16]&3]
	return string(buf[:])
}

// unitFloat returns a number in [0, 1) that depends only on (seed, ns, idx):
// a decision that can be recomputed anywhere without sharing an RNG.
func unitFloat(seed, ns, idx uint64) float64 {
	a, _ := hash128(seed, ns, idx)
	return float64(a>>11) / (1 << 53)
}
