package jwtauth

import (
	"context"
	"encoding/base64"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/lambdasec/lambdasec/internal/redacttest"
)

// swapSource is a KeySource whose set a test replaces, and whose Lookup
// returns a prepared answer, counting calls.
type swapSource struct {
	set     atomic.Pointer[KeySet]
	lookups atomic.Int32
	found   *KeySet // Lookup's answer; nil: the current set
	err     error
}

func (s *swapSource) Keys() *KeySet { return s.set.Load() }

func (s *swapSource) Lookup(_ context.Context, kid string) (*KeySet, error) {
	s.lookups.Add(1)
	if s.err != nil {
		return nil, s.err
	}
	if s.found != nil {
		s.set.Store(s.found)
		return s.found, nil
	}
	return s.set.Load(), nil
}

func mustSet(t testing.TB, keys ...Key) *KeySet {
	t.Helper()
	s, err := NewKeySet(keys...)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func sourceAuth(t testing.TB, src KeySource) *Authenticator {
	t.Helper()
	cfg := testConfig(newClock())
	cfg.Keys, cfg.KeySource = nil, src
	return mustAuth(t, cfg)
}

// A new key set reaches Issue and Verify without rebuilding the
// Authenticator.
func TestKeySourceRotation(t *testing.T) {
	old := Key{ID: "2026-01", Algorithm: HS256, Secret: NewHMACSecret(testSecret)}
	next := esKey()
	src := &swapSource{}
	src.set.Store(mustSet(t, old))
	a := sourceAuth(t, src)
	oldTok, _, _ := a.Issue(Grant{Subject: "alice"})

	src.set.Store(mustSet(t, next, old))
	newTok, _, err := a.Issue(Grant{Subject: "alice"})
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := base64.RawURLEncoding.DecodeString(newTok[:strings.IndexByte(newTok, '.')])
	if hd, _ := a.parseHeader(raw); string(hd.kid) != "es" {
		t.Errorf("new token not signed with the new first key: kid %q", hd.kid)
	}
	for _, tok := range []string{oldTok, newTok} {
		if _, err := a.Verify(context.Background(), tok); err != nil {
			t.Errorf("during rotation: %v", err)
		}
	}
	src.set.Store(mustSet(t, next))
	if _, err := a.Verify(context.Background(), oldTok); !errors.Is(err, ErrKeyNotFound) {
		t.Errorf("old key removed: got %v, want ErrKeyNotFound", err)
	}
	// A set with no key able to sign.
	src.set.Store(mustSet(t, Key{ID: "es", Algorithm: ES256, PublicKey: &fixtures().ec.PublicKey}))
	if _, _, err := a.Issue(Grant{Subject: "alice"}); !errors.Is(err, ErrNoSigningKey) {
		t.Errorf("verify-only set: got %v, want ErrNoSigningKey", err)
	}
	if _, err := a.Verify(context.Background(), newTok); err != nil {
		t.Errorf("verify-only set refused a good token: %v", err)
	}
}

// A kid the current set lacks is asked of the source exactly once per
// verification; the answer decides, and a failing source fails closed.
func TestKeySourceLookup(t *testing.T) {
	issuer := mustAuth(t, testConfig(newClock(), esKey()))
	tok, _, _ := issuer.Issue(Grant{Subject: "alice"})
	ctx := context.Background()

	src := &swapSource{}
	src.set.Store(mustSet(t, hsKey()))
	a := sourceAuth(t, src)
	if _, err := a.Verify(ctx, tok); !errors.Is(err, ErrKeyNotFound) {
		t.Fatalf("kid still unknown: got %v, want ErrKeyNotFound", err)
	}
	if n := src.lookups.Load(); n != 1 {
		t.Fatalf("Lookup called %d times, want 1", n)
	}
	// A known kid never reaches Lookup.
	own, _, _ := a.Issue(Grant{Subject: "alice"})
	if _, err := a.Verify(ctx, own); err != nil || src.lookups.Load() != 1 {
		t.Fatalf("known kid: err %v, %d lookups", err, src.lookups.Load())
	}

	src.found = mustSet(t, hsKey(), esKey())
	if _, err := a.Verify(ctx, tok); err != nil {
		t.Fatalf("kid found by Lookup: %v", err)
	}
	if _, err := a.Verify(ctx, tok); err != nil || src.lookups.Load() != 2 {
		t.Fatalf("kid now in Keys(): err %v, %d lookups, want 2", err, src.lookups.Load())
	}

	failing := &swapSource{err: errors.New("jwks endpoint down")}
	failing.set.Store(mustSet(t, hsKey()))
	b := sourceAuth(t, failing)
	_, err := b.Verify(ctx, tok)
	if !errors.Is(err, ErrKeySourceUnavailable) || !errors.Is(err, failing.err) {
		t.Fatalf("failing Lookup: got %v, want ErrKeySourceUnavailable wrapping the cause", err)
	}
	rec := httptest.NewRecorder()
	WriteError(rec, httptest.NewRequest(http.MethodGet, "/", nil), err)
	if rec.Code != http.StatusServiceUnavailable {
		t.Errorf("failing Lookup answered %d, want 503", rec.Code)
	}
	// A nil set (a source not loaded yet) verifies nothing.
	empty := &swapSource{}
	if _, err := sourceAuth(t, empty).Verify(ctx, tok); !errors.Is(err, ErrKeyNotFound) {
		t.Errorf("nil set: got %v, want ErrKeyNotFound", err)
	}
}

// Issue and Verify run while another goroutine replaces the key set.
func TestKeySourceConcurrent(t *testing.T) {
	sets := []*KeySet{mustSet(t, hsKey(), esKey()), mustSet(t, esKey(), hsKey())}
	src := &swapSource{}
	src.set.Store(sets[0])
	a := sourceAuth(t, src)
	var wg sync.WaitGroup
	stop := make(chan struct{})
	wg.Go(func() {
		for i := 0; ; i++ {
			select {
			case <-stop:
				return
			default:
				src.set.Store(sets[i%2])
			}
		}
	})
	var workers sync.WaitGroup
	for range 4 {
		workers.Go(func() {
			for range 200 {
				tok, _, err := a.Issue(Grant{Subject: "alice"})
				if err != nil {
					t.Error(err)
					return
				}
				if _, err := a.Verify(context.Background(), tok); err != nil {
					t.Error(err)
					return
				}
			}
		})
	}
	workers.Wait()
	close(stop)
	wg.Wait()
}

func TestKeySourceConfig(t *testing.T) {
	src, err := StaticKeys(hsKey())
	if err != nil {
		t.Fatal(err)
	}
	var nilSource *swapSource
	for _, tc := range []struct {
		name string
		cfg  Config
	}{
		{"neither", Config{}},
		{"both", Config{Keys: []Key{hsKey()}, KeySource: src}},
		{"nil pointer", Config{KeySource: nilSource}},
	} {
		if _, err := New(tc.cfg); !errors.Is(err, ErrInvalidConfig) {
			t.Errorf("%s: got %v, want ErrInvalidConfig", tc.name, err)
		}
	}
	if _, err := StaticKeys(); !errors.Is(err, ErrInvalidConfig) {
		t.Errorf("StaticKeys(): got %v", err)
	}
	if _, err := NewKeySet(hsKey(), Key{ID: "hs", Algorithm: ES256, PrivateKey: fixtures().ec}); !errors.Is(err, ErrInvalidKey) {
		t.Errorf("a kid bound to two algorithms: got %v, want ErrInvalidKey", err)
	}
	set := mustSet(t, Key{ID: "v", Algorithm: ES256, PublicKey: &fixtures().ec.PublicKey}, hsKey())
	if set.Len() != 2 || !set.Has("hs") || set.Has("x") || set.signer.id != "hs" {
		t.Errorf("set: len %d, signer %q", set.Len(), set.signer.id)
	}
	if (*KeySet)(nil).Len() != 0 {
		t.Error("nil set is not empty")
	}
	redacttest.Check(t, set, string(testSecret))
}
