package ratelimit

import (
	"strconv"
	"testing"
	"time"
)

// TestFullStoreSweepsRarely checks that once the in-process store is full
// of live keys, requests for new keys do not each walk the whole map under
// the lock: a client able to fill the store (many addresses) could
// otherwise serialise every request of the process behind those walks.
func TestFullStoreSweepsRarely(t *testing.T) {
	const maxKeys = 2000
	walked := 0
	s := newMemStore(maxKeys, func(exp time.Time, now time.Time) bool {
		walked++
		return !exp.After(now)
	})
	now := time.Unix(1_700_000_000, 0)
	for i := range maxKeys {
		k := "live" + strconv.Itoa(i)
		if err := s.room(k, now); err != nil {
			t.Fatalf("key %d: %v", i, err)
		}
		s.m[k] = now.Add(time.Hour)
	}
	walked = 0
	const newKeys = 100
	for i := range newKeys {
		if err := s.room("new"+strconv.Itoa(i), now); err != errStoreFull {
			t.Fatalf("new key %d: %v, want errStoreFull", i, err)
		}
	}
	if walked > maxKeys {
		t.Errorf("%d new keys walked %d entries, want at most one walk (%d)", newKeys, walked, maxKeys)
	}

	// Once keys expire, a full store takes new keys again.
	now = now.Add(time.Hour)
	if err := s.room("after", now); err != nil {
		t.Errorf("after expiry: %v", err)
	}
	if len(s.m) != 0 {
		t.Errorf("%d keys left after the sweep, want 0", len(s.m))
	}
}
