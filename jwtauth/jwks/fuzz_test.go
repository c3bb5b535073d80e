package jwks_test

import (
	"errors"
	"testing"

	"github.com/lambdasec/lambdasec/jwtauth/jwks"
	"github.com/lambdasec/lambdasec/jwtauth/jwks/jwkstest"
)

// FuzzParseKeySet: any input yields a key set or ErrInvalidKeySet, never
// a panic, and a set never holds more keys than the input has JWKs.
func FuzzParseKeySet(f *testing.F) {
	for _, k := range baseKeys() {
		f.Add(mustJSON(f, map[string]any{"keys": []any{k.JWK}}))
	}
	ec, _ := jwkstest.NewKey("e", "ES256", 0)
	ec.JWK["use"] = "enc"
	f.Add(mustJSON(f, map[string]any{"keys": []any{ec.JWK}}))
	for _, s := range []string{
		`{"keys":[]}`, `{"keys":null}`, `{"keys":[{"kty":"oct","k":"AAAA"}]}`,
		`{"keys":[{"kty":"RSA","n":"AQAB","e":"AQAB"}]}`, `{"keys":[{"kty":"EC","crv":"P-256","x":"","y":""}]}`,
		`{"keys":[{"kty":"OKP","crv":"Ed25519","x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo","key_ops":["verify"]}]}`,
		`{"keys":[{"kty":"OKP","kty":"RSA"}]}`, `[]`, `{"keys":[1]}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		set, err := jwks.ParseKeySet(data)
		if err != nil {
			if !errors.Is(err, jwks.ErrInvalidKeySet) {
				t.Fatalf("error %v is not ErrInvalidKeySet", err)
			}
			if set != nil {
				t.Fatal("set and error")
			}
			return
		}
		if set.Len() > 100 {
			t.Fatalf("%d keys", set.Len())
		}
	})
}
