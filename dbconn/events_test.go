package dbconn_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/lambdasec/lambdasec/dbconn"
	"github.com/lambdasec/lambdasec/secevent"
)

// Credentials that cannot be read are a security event (the secret or
// the permission to read it is gone), without any value in it.
func TestCredentialsUnavailableEvent(t *testing.T) {
	var got []secevent.Event
	c, err := dbconn.NewConnector(dbconn.Config{
		Host: "127.0.0.1", Port: 1, User: "app",
		Credentials: func(context.Context) (dbconn.Credentials, error) {
			return dbconn.Credentials{}, errors.New("AccessDeniedException: not authorized to read prod/db")
		},
		Events: secevent.SinkFunc(func(_ context.Context, e secevent.Event) { got = append(got, e) }),
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Connect(context.Background()); !errors.Is(err, dbconn.ErrCredentials) {
		t.Fatalf("Connect: got %v, want ErrCredentials", err)
	}
	if len(got) != 1 || got[0].Name != secevent.SysDependencyFail || got[0].Reason != "db_credentials_unavailable" {
		t.Fatalf("events %+v, want one sys_dependency_fail db_credentials_unavailable", got)
	}
	if len(got[0].Attrs) != 0 || strings.Contains(got[0].Reason, "prod/db") {
		t.Errorf("event %+v carries more than its reason", got[0])
	}
}
