package serve

import (
	"bytes"
	"encoding/json"
	"fmt"

	"github.com/micahq/mica"
	"github.com/micahq/mica/api"
)

// startFaults adds the seed's fault rules to the server, which a reset brings back.
func (m *Main) startFaults() error {
	if m.seed == nil {
		return nil
	}
	for _, r := range m.seed.FaultRules() {
		var rule api.FaultRule
		dec := json.NewDecoder(bytes.NewReader(r.JSON))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&rule); err != nil {
			return fmt.Errorf("%s: %w", r.Where, err)
		}
		keep := rule
		if err := m.Server.Faults().Add(&rule, m.Server.Now()); err != nil {
			return fmt.Errorf("%s: %s", r.Where, mica.ErrorMessage(err))
		}
		m.Server.StartFaults = append(m.Server.StartFaults, keep)
	}
	return nil
}
