package secretkeys

import (
	"encoding/json"

	"github.com/lambdasec/lambdasec/jwtauth"
)

func jsonUnmarshal(s string, v any) error { return json.Unmarshal([]byte(s), v) }

// newKeySet checks a key the way the Authenticator will (size, weakness).
func newKeySet(k jwtauth.Key) (*jwtauth.KeySet, error) { return jwtauth.NewKeySet(k) }
