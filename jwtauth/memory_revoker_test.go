package jwtauth_test

import (
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
