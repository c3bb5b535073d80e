package secrets_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/lambdasec/lambdasec/secevent"
	"github.com/lambdasec/lambdasec/secrets"

	"github.com/lambdasec/lambdasec/internal/eventtest"
)

// A failed fetch through the real SDK is a sys_dependency_fail event
// naming the secret, never holding its value; a successful one is none.
func TestFetchFailureEvents(t *testing.T) {
	sm := newSM(t)
	sm.Put("prod/db", secretValue)
	events := &eventtest.Recorder{}
	c := newCache(t, secrets.Config{Client: sm.Client(), Events: events})
	if _, err := c.Get(context.Background(), "prod/db"); err != nil {
		t.Fatal(err)
	}
	if ev := events.All(); len(ev) != 0 {
		t.Fatalf("events after a good fetch: %v", ev)
	}
	sm.FailNext(1, "AccessDeniedException")
	if _, err := c.Refresh(context.Background(), "prod/db"); err == nil {
		t.Fatal("Refresh: want the injected error")
	}
	evs := events.All()
	if len(evs) != 1 {
		t.Fatalf("got %d events, want 1: %v", len(evs), evs)
	}
	e := evs[0]
	got := fmt.Sprintf("%+v", e)
	if e.Name != secevent.SysDependencyFail || e.Reason != "secrets_manager" || !strings.Contains(got, "name=prod/db") {
		t.Errorf("got %s, want sys_dependency_fail for prod/db", got)
	}
	if strings.Contains(got, "hunter") || strings.Contains(got, secretValue) {
		t.Errorf("the event holds the value: %s", got)
	}
}
