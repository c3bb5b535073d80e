package clocktest_test

import (
	"testing"
	"time"

	"github.com/lambdasec/lambdasec/internal/clocktest"
)

func TestClock(t *testing.T) {
	start := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
	c := clocktest.At(start)
	c.Advance(90 * time.Second)
	if got, want := c.Now(), start.Add(90*time.Second); !got.Equal(want) {
		t.Fatalf("after Advance: got %v, want %v", got, want)
	}
	c.Set(start)
	if got := c.Now(); !got.Equal(start) {
		t.Fatalf("after Set: got %v, want %v", got, start)
	}
	if clocktest.New().Now().IsZero() {
		t.Fatal("New shows the zero time")
	}
}
