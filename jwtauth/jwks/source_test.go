package jwks_test

import (
	"context"
	"crypto/hmac"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/lambdasec/lambdasec/jwtauth"
	"github.com/lambdasec/lambdasec/jwtauth/jwks"
	"github.com/lambdasec/lambdasec/jwtauth/jwks/jwkstest"
)

func TestVerifyThroughDiscovery(t *testing.T) {
	srv, keys := newIssuer(t, jwkstest.Options{})
	h := newHarness(t, srv, jwks.Config{})
	if err := h.src.Load(context.Background()); err != nil {
		t.Fatalf("Load: %v", err)
	}
	for kid, k := range keys {
		if err := h.verify(h.token(t, k)); err != nil {
			t.Errorf("%s (%s): got %v, want nil", kid, k.Alg, err)
		}
	}
	if d, j := srv.Fetches(); d != 1 || j != 1 {
		t.Errorf("fetches: discovery %d, jwks %d; want 1, 1", d, j)
	}
}

func TestConfiguredJWKSURISkipsDiscovery(t *testing.T) {
	srv, keys := newIssuer(t, jwkstest.Options{})
	h := newHarness(t, srv, jwks.Config{JWKSURI: srv.Issuer + jwkstest.JWKSPath})
	// No Load: the first token's kid miss fetches.
	if err := h.verify(h.token(t, keys["es"])); err != nil {
		t.Fatalf("got %v, want nil", err)
	}
	if d, j := srv.Fetches(); d != 0 || j != 1 {
		t.Errorf("fetches: discovery %d, jwks %d; want 0, 1", d, j)
	}
}

func TestNewRefusesConfig(t *testing.T) {
	for _, tc := range []struct{ name, issuer, jwksURI string }{
		{"no issuer", "", ""},
		{"http issuer", "http://idp.example", ""}, // keys over plain http can be swapped on the way
		{"issuer with query", "https://idp.example/?tenant=1", ""},
		{"issuer with fragment", "https://idp.example/#x", ""},
		{"issuer with user info", "https://user@idp.example", ""},
		{"relative issuer", "/idp", ""},
		{"http jwks_uri", "https://idp.example", "http://idp.example/keys"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := jwks.New(jwks.Config{Issuer: tc.issuer, JWKSURI: tc.jwksURI})
			if !errors.Is(err, jwks.ErrInvalidConfig) {
				t.Errorf("got %v, want ErrInvalidConfig", err)
			}
		})
	}
}

// TestLoadRefuses covers what the issuer's endpoints may answer that must
// not become keys.
func TestLoadRefuses(t *testing.T) {
	other, _ := newIssuer(t, jwkstest.Options{})
	for _, tc := range []struct {
		name  string
		setup func(srv *jwkstest.Server)
		cfg   jwks.Config
		want  error
	}{
		{"issuer mismatch in discovery", func(srv *jwkstest.Server) {
			// A document naming another issuer describes someone else's keys.
			srv.SetDiscovery([]byte(`{"issuer":"` + srv.Issuer + `/","jwks_uri":"` + srv.Issuer + jwkstest.JWKSPath + `"}`))
		}, jwks.Config{}, jwks.ErrDiscovery},
		{"http jwks_uri in discovery", func(srv *jwkstest.Server) {
			u := strings.Replace(srv.Issuer, "https:", "http:", 1)
			srv.SetDiscovery([]byte(`{"issuer":"` + srv.Issuer + `","jwks_uri":"` + u + jwkstest.JWKSPath + `"}`))
		}, jwks.Config{}, jwks.ErrDiscovery},
		{"discovery without jwks_uri", func(srv *jwkstest.Server) {
			srv.SetDiscovery([]byte(`{"issuer":"` + srv.Issuer + `"}`))
		}, jwks.Config{}, jwks.ErrDiscovery},
		{"duplicate member in discovery", func(srv *jwkstest.Server) {
			srv.SetDiscovery([]byte(`{"issuer":"` + srv.Issuer + `","issuer":"x","jwks_uri":"` + srv.Issuer + jwkstest.JWKSPath + `"}`))
		}, jwks.Config{}, jwks.ErrDiscovery},
		{"redirect to another origin", func(srv *jwkstest.Server) {
			srv.SetHook(func(w http.ResponseWriter, r *http.Request) bool {
				if strings.HasSuffix(r.URL.Path, jwkstest.JWKSPath) {
					http.Redirect(w, r, other.Issuer+jwkstest.JWKSPath, http.StatusFound)
					return true
				}
				return false
			})
		}, jwks.Config{}, jwks.ErrFetch},
		{"status 500", func(srv *jwkstest.Server) {
			srv.SetHook(func(w http.ResponseWriter, r *http.Request) bool {
				http.Error(w, "down", http.StatusInternalServerError)
				return true
			})
		}, jwks.Config{}, jwks.ErrFetch},
		{"slow endpoint", func(srv *jwkstest.Server) {
			srv.SetHook(func(w http.ResponseWriter, r *http.Request) bool {
				select {
				case <-r.Context().Done():
				case <-time.After(5 * time.Second):
				}
				return true
			})
		}, jwks.Config{Timeout: 50 * time.Millisecond}, jwks.ErrFetch},
		{"oversized key set", func(srv *jwkstest.Server) {
			srv.SetJWKS([]byte(`{"keys":[],"pad":"` + strings.Repeat("x", 2048) + `"}`))
		}, jwks.Config{MaxSize: 1024}, jwks.ErrFetch},
		{"malformed key set", func(srv *jwkstest.Server) {
			srv.SetJWKS([]byte(`{"keys":[`))
		}, jwks.Config{}, jwks.ErrInvalidKeySet},
		{"keys not an array", func(srv *jwkstest.Server) {
			srv.SetJWKS([]byte(`{"keys":{}}`))
		}, jwks.Config{}, jwks.ErrInvalidKeySet},
		{"duplicate kids", func(srv *jwkstest.Server) {
			k, _ := jwkstest.NewKey("same", "ES256", 0)
			k2, _ := jwkstest.NewKey("same", "ES256", 0)
			srv.SetJWKS(mustJSON(t, map[string]any{"keys": []any{k.JWK, k2.JWK}}))
		}, jwks.Config{}, jwks.ErrInvalidKeySet},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv, _ := newIssuer(t, jwkstest.Options{})
			tc.setup(srv)
			h := newHarness(t, srv, tc.cfg)
			err := h.src.Load(context.Background())
			if !errors.Is(err, tc.want) {
				t.Errorf("got %v, want %v", err, tc.want)
			}
			if h.src.Keys() != nil {
				t.Errorf("keys after a refused load: %v", h.src.Keys())
			}
		})
	}
}

// TestKeysRefused covers JWKs that are published but must never verify.
func TestKeysRefused(t *testing.T) {
	for _, tc := range []struct {
		name string
		alg  string
		bits int
		edit func(jwk map[string]any)
		want error
	}{
		{"use enc", "RS256", 2048, func(j map[string]any) { j["use"] = "enc" }, jwtauth.ErrKeyNotFound},
		{"key_ops encrypt", "ES256", 0, func(j map[string]any) { j["key_ops"] = []string{"encrypt"} }, jwtauth.ErrKeyNotFound},
		{"RSA 1024", "RS256", 1024, nil, jwtauth.ErrKeyNotFound},
		{"alg of another kty", "RS256", 2048, func(j map[string]any) { j["alg"] = "ES256" }, jwtauth.ErrKeyNotFound},
		{"alg HS256 on RSA", "RS256", 2048, func(j map[string]any) { j["alg"] = "HS256" }, jwtauth.ErrKeyNotFound},
		{"private key published", "ES256", 0, func(j map[string]any) { j["d"] = "AAAA" }, jwtauth.ErrKeyNotFound},
		{"EC point off curve", "ES256", 0, func(j map[string]any) { j["y"] = j["x"] }, jwtauth.ErrKeyNotFound},
		{"wrong curve", "ES256", 0, func(j map[string]any) { j["crv"] = "P-384" }, jwtauth.ErrKeyNotFound},
		// A JWK without alg is bound to RS256, so a PS256 token must fail.
		{"PS256 token, JWK without alg", "PS256", 2048, func(j map[string]any) { delete(j, "alg") }, jwtauth.ErrAlgorithm},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv, err := jwkstest.NewServer(jwkstest.Options{})
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(srv.Close)
			k, err := srv.AddKey("k", tc.alg, tc.bits)
			if err != nil {
				t.Fatal(err)
			}
			if tc.edit != nil {
				tc.edit(k.JWK)
			}
			h := newHarness(t, srv, jwks.Config{})
			if err := h.src.Load(context.Background()); err != nil {
				t.Fatalf("Load: %v", err)
			}
			if err := h.verify(h.token(t, k)); !errors.Is(err, tc.want) {
				t.Errorf("got %v, want %v", err, tc.want)
			}
		})
	}
}

// TestAlgConfusion: a token claiming HS256 with a MAC keyed by the RSA
// key's public bytes (what a verifier that takes "the key" of a kid as an
// HMAC secret would accept) is refused.
func TestAlgConfusion(t *testing.T) {
	srv, keys := newIssuer(t, jwkstest.Options{})
	h := newHarness(t, srv, jwks.Config{})
	pub := keys["rs"].Private.Public().(*rsa.PublicKey)
	der, _ := x509.MarshalPKIXPublicKey(pub)
	for name, secret := range map[string][]byte{"DER": der, "modulus": pub.N.Bytes()} {
		tok := hs256(t, map[string]any{"alg": "HS256", "kid": "rs", "typ": "JWT"}, claims(srv.Issuer, h.clock.Now()), secret)
		if err := h.verify(tok); !errors.Is(err, jwtauth.ErrAlgorithm) {
			t.Errorf("%s: got %v, want ErrAlgorithm", name, err)
		}
	}
}

func hs256(t *testing.T, header, claims map[string]any, secret []byte) string {
	b64 := base64.RawURLEncoding.EncodeToString
	in := b64(mustJSON(t, header)) + "." + b64(mustJSON(t, claims))
	m := hmac.New(sha256.New, secret)
	m.Write([]byte(in))
	return in + "." + b64(m.Sum(nil))
}

func TestRollover(t *testing.T) {
	srv, keys := newIssuer(t, jwkstest.Options{})
	h := newHarness(t, srv, jwks.Config{})
	if err := h.src.Load(context.Background()); err != nil {
		t.Fatal(err)
	}
	old := h.token(t, keys["rs"])
	if err := h.verify(old); err != nil {
		t.Fatalf("old key: %v", err)
	}
	next, err := srv.AddKey("rs-2", "RS256", 2048)
	if err != nil {
		t.Fatal(err)
	}
	srv.RemoveKey("rs")
	h.clock.Advance(jwks.DefaultMinLookupInterval)
	if err := h.verify(h.token(t, next)); err != nil {
		t.Fatalf("new key after rollover: got %v, want nil", err)
	}
	if err := h.verify(old); !errors.Is(err, jwtauth.ErrKeyNotFound) {
		t.Errorf("removed key: got %v, want ErrKeyNotFound", err)
	}
	if _, j := srv.Fetches(); j != 2 {
		t.Errorf("jwks fetches: got %d, want 2 (load, rollover)", j)
	}
}

// TestKidMissFlood: many tokens with unknown kids at once cause one fetch
// per MinLookupInterval, and none while the window lasts.
func TestKidMissFlood(t *testing.T) {
	srv, _ := newIssuer(t, jwkstest.Options{})
	h := newHarness(t, srv, jwks.Config{})
	if err := h.src.Load(context.Background()); err != nil {
		t.Fatal(err)
	}
	h.clock.Advance(jwks.DefaultMinLookupInterval)
	forged, _ := jwkstest.NewKey("forged", "ES256", 0)
	flood := func() {
		toks := make([]string, 100)
		for i := range toks {
			var err error
			toks[i], err = forged.SignHeader(map[string]any{"alg": "ES256", "kid": fmt.Sprintf("forged-%d", i%26), "typ": "JWT"},
				claims(srv.Issuer, h.clock.Now()))
			if err != nil {
				t.Fatal(err)
			}
		}
		var wg sync.WaitGroup
		for _, tok := range toks {
			wg.Go(func() {
				if err := h.verify(tok); !errors.Is(err, jwtauth.ErrKeyNotFound) {
					t.Errorf("got %v, want ErrKeyNotFound", err)
				}
			})
		}
		wg.Wait()
	}
	flood()
	if _, j := srv.Fetches(); j != 2 {
		t.Errorf("after the first flood: %d jwks fetches, want 2 (load + 1)", j)
	}
	flood() // same window: no fetch
	if _, j := srv.Fetches(); j != 2 {
		t.Errorf("flood inside the window: %d jwks fetches, want 2", j)
	}
	h.clock.Advance(jwks.DefaultMinLookupInterval)
	flood()
	if _, j := srv.Fetches(); j != 3 {
		t.Errorf("flood in the next window: %d jwks fetches, want 3", j)
	}
}

// TestLookupHonoursDeadline: a kid miss while the endpoint hangs returns
// when the request's context ends, not when the fetch does.
func TestLookupHonoursDeadline(t *testing.T) {
	srv, keys := newIssuer(t, jwkstest.Options{})
	release := make(chan struct{})
	t.Cleanup(func() { close(release) })
	srv.SetHook(func(w http.ResponseWriter, r *http.Request) bool {
		select {
		case <-release:
		case <-r.Context().Done():
		}
		return true
	})
	h := newHarness(t, srv, jwks.Config{Timeout: time.Minute})
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	done := make(chan error, 1)
	go func() {
		_, err := h.auth.Verify(ctx, h.token(t, keys["es"]))
		done <- err
	}()
	select {
	case err := <-done:
		if !errors.Is(err, jwtauth.ErrKeySourceUnavailable) || !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("got %v, want ErrKeySourceUnavailable and DeadlineExceeded", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Verify waited past its context's deadline")
	}
}

// TestServesStaleKeysWithinMaxStale: while the endpoint fails, keys
// already fetched keep verifying, until MaxStale; then none does.
func TestServesStaleKeysWithinMaxStale(t *testing.T) {
	srv, keys := newIssuer(t, jwkstest.Options{})
	h := newHarness(t, srv, jwks.Config{MaxStale: time.Hour})
	if err := h.src.Load(context.Background()); err != nil {
		t.Fatal(err)
	}
	srv.SetHook(func(w http.ResponseWriter, r *http.Request) bool {
		http.Error(w, "down", http.StatusServiceUnavailable)
		return true
	})
	h.clock.Advance(jwks.DefaultRefreshInterval + time.Second)
	h.src.Keys() // starts the background refresh, which fails
	waitFetches(t, srv, 2)
	if err := h.verify(h.token(t, keys["ed"])); err != nil {
		t.Errorf("within MaxStale: got %v, want nil", err)
	}
	h.clock.Advance(time.Hour)
	if err := h.verify(h.token(t, keys["ed"])); !errors.Is(err, jwtauth.ErrKeySourceUnavailable) {
		t.Errorf("past MaxStale: got %v, want ErrKeySourceUnavailable", err)
	}
	srv.SetHook(nil) // the endpoint recovers
	h.clock.Advance(jwks.DefaultMinLookupInterval)
	if err := h.verify(h.token(t, keys["ed"])); err != nil {
		t.Errorf("after recovery: got %v, want nil", err)
	}
}

// TestBackgroundRefresh: keys published later are picked up after
// RefreshInterval without any kid miss.
func TestBackgroundRefresh(t *testing.T) {
	srv, _ := newIssuer(t, jwkstest.Options{})
	h := newHarness(t, srv, jwks.Config{})
	if err := h.src.Load(context.Background()); err != nil {
		t.Fatal(err)
	}
	if _, err := srv.AddKey("late", "ES256", 0); err != nil {
		t.Fatal(err)
	}
	h.src.Keys() // not due yet
	h.clock.Advance(jwks.DefaultRefreshInterval)
	h.src.Keys()
	waitFetches(t, srv, 2)
	deadline := time.Now().Add(5 * time.Second)
	for !h.src.Keys().Has("late") {
		if time.Now().After(deadline) {
			t.Fatal("the refreshed set never arrived")
		}
		time.Sleep(time.Millisecond)
	}
}

// waitFetches waits until srv has served n key sets.
func waitFetches(t *testing.T, srv *jwkstest.Server, n int64) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for _, j := srv.Fetches(); j < n; _, j = srv.Fetches() {
		if time.Now().After(deadline) {
			t.Fatalf("%d key set fetches, want %d", j, n)
		}
		time.Sleep(time.Millisecond)
	}
}
