package validate

import (
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// TestLayoutText: answers spell date formats as clients know them, never
// with Go's reference date.
func TestLayoutText(t *testing.T) {
	for _, tc := range []struct{ layout, want string }{
		{time.DateOnly, "YYYY-MM-DD"},
		{time.RFC3339, "YYYY-MM-DDThh:mm:ss±hh:mm"},
		{time.RFC3339Nano, "YYYY-MM-DDThh:mm:ss.sssssssss±hh:mm"},
		{time.TimeOnly, "hh:mm:ss"},
		{"02/01/2006 3:04PM", "DD/MM/YYYY h:mmAM/PM"},
		{"Mon, 02 Jan 2006 15:04:05 MST", "weekday abbreviation, DD month abbreviation YYYY hh:mm:ss time zone abbreviation"},
		{"2006-01-02T15:04:05.000Z0700", "YYYY-MM-DDThh:mm:ss.sss±hhmm"},
		{"20060102", "YYYYMMDD"},
	} {
		got := layoutText(tc.layout)
		if got != tc.want {
			t.Errorf("layoutText(%q) = %q, want %q", tc.layout, got, tc.want)
		}
		for _, leak := range []string{"2006", "15", "04", "05", "Z07"} {
			if strings.Contains(got, leak) {
				t.Errorf("layoutText(%q) = %q still holds %q", tc.layout, got, leak)
			}
		}
	}
}

// TestNoGoLayoutInAnswers: the query time message and the datetime rule's
// param and message use YYYY-MM-DD.
func TestNoGoLayoutInAnswers(t *testing.T) {
	v, err := New(Config{})
	if err != nil {
		t.Fatal(err)
	}
	type params struct {
		From time.Time `query:"from" layout:"2006-01-02"`
		Day  string    `query:"day" validate:"datetime=2006-01-02"`
	}
	for _, q := range []string{"from=1.1.2026", "day=1.1.2026"} {
		err := v.DecodeQuery(httptest.NewRequest("GET", "/?"+q, nil), &params{})
		p := problemFor(err)
		if len(p.Errors) != 1 {
			t.Fatalf("%s: got %v, want one field error", q, err)
		}
		fe := p.Errors[0]
		if !strings.Contains(fe.Message, "YYYY-MM-DD") || strings.Contains(fe.Message+fe.Param, "2006") {
			t.Errorf("%s: message %q, param %q", q, fe.Message, fe.Param)
		}
	}
}
