// Package eventtest records the security events a package reports, for
// its tests.
package eventtest

import (
	"context"
	"sync"

	"github.com/lambdasec/lambdasec/secevent"
)

// Recorder is a secevent.Sink that keeps every event it receives. Its zero
// value is ready; it is safe for concurrent use.
type Recorder struct {
	mu     sync.Mutex
	events []secevent.Event
}

// Record keeps e.
func (r *Recorder) Record(_ context.Context, e secevent.Event) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.events = append(r.events, e)
}

// All returns a copy of the events kept so far.
func (r *Recorder) All() []secevent.Event {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]secevent.Event(nil), r.events...)
}

// Take returns the events kept so far and forgets them.
func (r *Recorder) Take() []secevent.Event {
	r.mu.Lock()
	defer r.mu.Unlock()
	ev := r.events
	r.events = nil
	return ev
}
