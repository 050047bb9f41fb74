package exec

import (
	"encoding/json"
	"testing"

	"github.com/tcpreport/tcpreport/engine"
)

// TestSealRoundTrip: a sealed result checks after its JSON round trip,
// with series and without (Pack gives an empty list, the JSON omits it).
func TestSealRoundTrip(t *testing.T) {
	for _, res := range []*engine.Result{
		{Files: []engine.File{{Name: "outcome.json", Data: []byte("{}")}}},
		{Series: []engine.Series{{Name: "t", Unit: "ms", Values: []float64{1.5, 2}}}},
	} {
		s := &Shard{Protocol: Protocol, Version: engine.Version, ID: "x", Index: 1}
		r := &Result{Protocol: Protocol, Version: engine.Version, ID: "x", Index: 1}
		var err error
		if r.Payload, r.Series, err = Pack(res); err != nil {
			t.Fatal(err)
		}
		r.Seal()
		b, err := json.Marshal(r)
		if err != nil {
			t.Fatal(err)
		}
		got, err := Decode(b)
		if err != nil {
			t.Fatal(err)
		}
		if err := Check(s, got); err != nil {
			t.Errorf("%d series: %v", len(res.Series), err)
		}
	}
}
