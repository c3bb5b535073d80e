package secrets_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/lambdasec/lambdasec/secevent"
	"github.com/lambdasec/lambdasec/secrets"
)

type eventLog struct {
	mu sync.Mutex
	ev []secevent.Event
}

func (l *eventLog) Record(_ context.Context, e secevent.Event) {
	l.mu.Lock()
	l.ev = append(l.ev, e)
	l.mu.Unlock()
}

// A failed fetch through the real SDK is a sys_dependency_fail event
// naming the secret, never holding its value; a successful one is none.
func TestFetchFailureEvents(t *testing.T) {
	sm := newSM(t)
	sm.Put("prod/db", secretValue)
	events := &eventLog{}
	c := newCache(t, secrets.Config{Client: sm.Client(), Events: events})
	if _, err := c.Get(context.Background(), "prod/db"); err != nil {
		t.Fatal(err)
	}
	if len(events.ev) != 0 {
		t.Fatalf("events after a good fetch: %v", events.ev)
	}
	sm.FailNext(1, "AccessDeniedException")
	if _, err := c.Refresh(context.Background(), "prod/db"); err == nil {
		t.Fatal("Refresh: want the injected error")
	}
	events.mu.Lock()
	defer events.mu.Unlock()
	if len(events.ev) != 1 {
		t.Fatalf("got %d events, want 1: %v", len(events.ev), events.ev)
	}
	e := events.ev[0]
	got := fmt.Sprintf("%+v", e)
	if e.Name != secevent.SysDependencyFail || e.Reason != "secrets_manager" || !strings.Contains(got, "name=prod/db") {
		t.Errorf("got %s, want sys_dependency_fail for prod/db", got)
	}
	if strings.Contains(got, "hunter") || strings.Contains(got, secretValue) {
		t.Errorf("the event holds the value: %s", got)
	}
}
