package validate_test

import (
	"errors"
	"net/http/httptest"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	"github.com/lambdasec/lambdasec/validate"
)

// TestErrorEscapesClientText: member names, map keys and query parameter
// names are the client's text. err.Error() is what applications log, so
// it must not carry a newline that forges a log line, a terminal escape
// sequence, a bidirectional override or invalid UTF-8.
func TestErrorEscapesClientText(t *testing.T) {
	type item struct {
		Tags map[string]int `json:"tags"`
	}
	type body struct {
		Email string `json:"email"`
		Item  item   `json:"item"`
	}
	type params struct {
		Q string `query:"q"`
	}
	v := mustNew(t, validate.Config{})
	cases := []struct {
		name, body, query string
		want              string // the escaped spelling in Error()
	}{
		{name: "newline in unknown member", body: `{"email":"a@b.co","x\nlevel=ERROR msg=forged":1}`, want: `x\nlevel=ERROR msg=forged`},
		{name: "escape sequence", body: `{"\u001b[2J":1}`, want: `\x1b[2J`},
		{name: "bidi override", body: `{"\u202egnp.exe":1}`, want: `\u202egnp.exe`},
		{name: "NUL and DEL", body: `{"a\u0000b\u007f":1}`, want: `a\x00b\x7f`},
		{name: "line separator", body: `{"a\u2028b":1}`, want: `a\u2028b`},
		{name: "backslash cannot forge an escape", body: `{"a\\nb":1}`, want: `a\\nb`},
		{name: "duplicate map key", body: `{"item":{"tags":{"k\r":1,"k\r":2}}}`, want: `item.tags[k\r]`},
		{name: "query name", query: "%0aforged=1", want: `\nforged`},
		{name: "query name not UTF-8", query: "a%ffb=1", want: `a\xffb`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var err error
			if tc.query != "" {
				err = v.DecodeQuery(httptest.NewRequest("GET", "/?"+tc.query, nil), &params{})
			} else {
				err = v.DecodeJSON(jsonRequest("POST", tc.body), &body{})
			}
			var fe *validate.FieldErrors
			if !errors.As(err, &fe) {
				t.Fatalf("got %v, want a *FieldErrors", err)
			}
			msg := err.Error()
			if !utf8.ValidString(msg) {
				t.Errorf("Error() is not valid UTF-8: %q", msg)
			}
			for _, r := range msg {
				if !unicode.IsPrint(r) && r != ' ' {
					t.Errorf("Error() holds %U: %q", r, msg)
				}
			}
			if !strings.Contains(msg, tc.want) {
				t.Errorf("Error() = %q, want it to contain %q", msg, tc.want)
			}
		})
	}
}
