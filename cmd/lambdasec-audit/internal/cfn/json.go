package cfn

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
)

// isJSON reports whether a template is written in JSON (its first
// non-blank byte opens an object).
func isJSON(data []byte) bool {
	t := bytes.TrimLeft(data, " \t\r\n\ufeff")
	return len(t) > 0 && t[0] == '{'
}

// prepareJSON checks a JSON template with the JSON parser, so errors
// speak JSON, and rewrites the one JSON escape YAML lacks ("\/") so the
// YAML parser, which keeps line numbers, can read the rest.
func prepareJSON(data []byte) ([]byte, error) {
	if err := json.Unmarshal(data, new(any)); err != nil {
		var se *json.SyntaxError
		if errors.As(err, &se) {
			line := 1 + bytes.Count(data[:min(int(se.Offset), len(data))], []byte("\n"))
			return nil, fmt.Errorf("%d: invalid JSON: %v", line, err)
		}
		return nil, fmt.Errorf("invalid JSON: %v", err)
	}
	if !bytes.Contains(data, []byte(`\/`)) {
		return data, nil
	}
	out := make([]byte, 0, len(data))
	inString := false
	for i := 0; i < len(data); i++ {
		c := data[i]
		switch {
		case c == '"':
			inString = !inString
		case inString && c == '\\' && i+1 < len(data):
			if data[i+1] != '/' {
				out = append(out, c) // keep the escape and its character
			}
			i++
			c = data[i]
		}
		out = append(out, c)
	}
	return out, nil
}
