package exec

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/tcpreport/tcpreport/engine"
)

// packed is a directive result as it travels: the engine keeps series
// values out of a Result's JSON, so they travel beside it.
type packed struct {
	Payload json.RawMessage `json:"payload"`
	Series  []Series        `json:"series,omitempty"`
}

// Pack splits res into its JSON payload and its series.
func Pack(res *engine.Result) (json.RawMessage, []Series, error) {
	payload, err := json.Marshal(res)
	if err != nil {
		return nil, nil, err
	}
	series := make([]Series, len(res.Series))
	for i, s := range res.Series {
		series[i] = Series{Name: s.Name, Unit: s.Unit, Values: s.Values}
	}
	return payload, series, nil
}

// Unpack joins a payload and its series into a Result.
func Unpack(payload json.RawMessage, series []Series) (*engine.Result, error) {
	var res engine.Result
	if err := json.Unmarshal(payload, &res); err != nil {
		return nil, fmt.Errorf("%w: payload: %v", ErrInvalid, err)
	}
	if len(series) != len(res.Series) {
		return nil, fmt.Errorf("%w: %d series for a payload of %d", ErrInvalid, len(series), len(res.Series))
	}
	for i, s := range series {
		if s.Name != res.Series[i].Name {
			return nil, fmt.Errorf("%w: series %d is %q, payload says %q", ErrInvalid, i, s.Name, res.Series[i].Name)
		}
		res.Series[i].Values = s.Values
	}
	return &res, nil
}

// InputFile packs the :from: result of id as a shard input.
func InputFile(id string, res *engine.Result) (File, error) {
	payload, series, err := Pack(res)
	if err != nil {
		return File{}, err
	}
	b, err := json.Marshal(packed{payload, series})
	if err != nil {
		return File{}, err
	}
	return NewFile(fromPrefix+id+".json", b), nil
}

const fromPrefix = "from/"

// Inputs splits a shard's inputs into the :from: results, by id, and the
// plain files, by name.
func Inputs(s *Shard) (map[string]*engine.Result, map[string][]byte, error) {
	results := map[string]*engine.Result{}
	files := map[string][]byte{}
	for _, f := range s.Inputs {
		id, ok := strings.CutPrefix(f.Name, fromPrefix)
		if !ok {
			files[f.Name] = f.Data
			continue
		}
		var p packed
		if err := json.Unmarshal(f.Data, &p); err != nil {
			return nil, nil, fmt.Errorf("input %s: %w", f.Name, err)
		}
		r, err := Unpack(p.Payload, p.Series)
		if err != nil {
			return nil, nil, fmt.Errorf("input %s: %w", f.Name, err)
		}
		results[strings.TrimSuffix(id, ".json")] = r
	}
	return results, files, nil
}
