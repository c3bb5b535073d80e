package main

import (
	"bytes"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// TestRun checks the status of every request the example sends and that
// each problem names the field at fault.
func TestRun(t *testing.T) {
	var buf bytes.Buffer
	if err := run(&buf); err != nil {
		t.Fatal(err)
	}
	var statuses []int
	for l := range strings.Lines(buf.String()) {
		if strings.HasPrefix(l, "  ") {
			code, _ := strconv.Atoi(strings.Fields(l)[0])
			statuses = append(statuses, code)
		}
	}
	want := []int{201, 415, 413, 400, 400, 400, 400, 400, 422, 422, 422, 200, 400, 422, 400}
	if !slices.Equal(statuses, want) {
		t.Errorf("statuses %v, want %v\n%s", statuses, want, buf.String())
	}
	for _, s := range []string{`"field":"tags[1]"`, `"field":"admin"`, `"field":"email","rule":"duplicate"`, `"field":"to","rule":"gtefield"`, `"rule":"repeated"`,
		`"rule":"password","param":"email","message":"must be at least 15 characters","codes":["too_short"]`, `"codes":["common"]`, `"codes":["contains_context"]`,
		`"message":"must be a time in the form YYYY-MM-DD"`} {
		if !strings.Contains(buf.String(), s) {
			t.Errorf("output lacks %s", s)
		}
	}
}
