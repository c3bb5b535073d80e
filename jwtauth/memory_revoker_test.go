package jwtauth_test

import (
	"crypto/ed25519"
	"crypto/rand"
	"testing"
	"time"

	"github.com/lambdasec/lambdasec/internal/clocktest"
	"github.com/lambdasec/lambdasec/jwtauth"
	"github.com/lambdasec/lambdasec/jwtauth/internal/revokertest"
)

func TestMemoryRevokerContract(t *testing.T) {
	clk := clocktest.At(time.Unix(1_800_000_000, 0))
	revokertest.Contract(t, clk, &jwtauth.MemoryRevoker{Now: clk.Now}, clk.Advance)
}

func TestMemoryRevokerFamily(t *testing.T) {
	_, key, _ := ed25519.GenerateKey(rand.Reader)
	clk := clocktest.At(time.Unix(1_800_000_000, 0))
	a, err := jwtauth.New(jwtauth.Config{
		Keys:    []jwtauth.Key{{Algorithm: jwtauth.EdDSA, PrivateKey: key}},
		Now:     clk.Now,
		Revoker: &jwtauth.MemoryRevoker{Now: clk.Now},
	})
	if err != nil {
		t.Fatal(err)
	}
	revokertest.Family(t, a)
}
