package testenv

import (
	"bytes"
	"io"
	"net/http"
	"testing"
	"time"
)

// Call sends one event and returns the function's response payload and,
// for an invocation the function failed, the X-Amz-Function-Error value
// ("Unhandled") with the payload holding the error. A transport failure
// or a non-200 answer from the emulator fails t.
func (l *Lambda) Call(t testing.TB, event []byte) (payload []byte, functionError string) {
	t.Helper()
	client := &http.Client{Timeout: 90 * time.Second}
	res, err := client.Post(l.url, "application/json", bytes.NewReader(event))
	if err != nil {
		t.Fatalf("invoke: %v", err)
	}
	defer res.Body.Close()
	out, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatalf("invoke: %v", err)
	}
	if res.StatusCode != http.StatusOK {
		t.Fatalf("invoke: emulator answered %d %s", res.StatusCode, out)
	}
	return out, res.Header.Get("X-Amz-Function-Error")
}
