package strictjson

import (
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"strconv"
	"strings"
	"testing"
)

func TestValid(t *testing.T) {
	cases := []struct {
		name string
		in   string
		want string // "" accepts; else a substring of the error
	}{
		{"object", `{"a":[1,-0.5e+3,"x",true,false,null,{}],"b":{"c":[]}}`, ""},
		{"whitespace", " \t\r\n{ \"a\" : 1 } \n", ""},
		{"escapes", `"\"\\\/\b\f\n\r\t\u00e9\ud83d\ude00"`, ""},
		{"raw non-ASCII", `"été 日本 😀"`, ""},
		{"real U+FFFD", "\"\xef\xbf\xbd\"", ""},

		// RFC 8259 section 7: escapes and controls.
		{"raw newline", "\"a\nb\"", "control character in string at byte 2"},
		{"unknown escape", `"\x41"`, "invalid escape at byte 2"},
		{"short unicode escape", `"\u12"`, "invalid escape at byte 5"},
		{"truncated escape", `"\u00`, "unexpected end of input"},

		// Unpaired surrogates: encoding/json decodes U+FFFD for each,
		// so "\ud800" and "\ufffd" would be one value.
		{"lone high surrogate", `"\ud800"`, "unpaired surrogate escape at byte 1"},
		{"lone low surrogate", `"a\udc00"`, "unpaired surrogate escape at byte 2"},
		{"high then non-surrogate", `"\ud800\u0041"`, "unpaired surrogate escape at byte 1"},
		{"high then broken escape", `"\ud800\u00zz"`, "invalid escape"},
		{"two highs", `"\ud800\ud800"`, "unpaired surrogate escape at byte 1"},

		// Invalid UTF-8: overlong, encoded surrogate, beyond U+10FFFF,
		// truncated.
		{"overlong slash", "\"\xc0\xaf\"", "invalid UTF-8 at byte 1"},
		{"encoded surrogate", "\"\xed\xa0\x80\"", "invalid UTF-8 at byte 1"},
		{"beyond U+10FFFF", "\"\xf4\x90\x80\x80\"", "invalid UTF-8 at byte 1"},
		{"truncated sequence", "\"\xe6\x97\"", "invalid UTF-8 at byte 1"},

		// RFC 8259 section 6: the number grammar.
		{"leading zero", `01`, "unexpected data after the JSON value at byte 1"},
		{"plus sign", `+1`, "unexpected character at byte 0"},
		{"bare fraction", `1.`, "unexpected end of input at byte 2"},
		{"leading dot", `.5`, "unexpected character at byte 0"},
		{"empty exponent", `1e`, "unexpected end of input"},
		{"NaN", `NaN`, "unexpected character"},
		{"minus alone", `-`, "unexpected end of input at byte 1"},

		{"duplicate", `{"a":1,"a":2}`, ErrDuplicate.Error()},
		{"duplicate escaped", `{"a":1,"\u0061":2}`, ErrDuplicate.Error()},
		{"duplicate nested", `[{"b":{"x":1,"x":1}}]`, ErrDuplicate.Error()},
		{"duplicate past the linear scan", manyMembers(40) + "", ""},
		{"duplicate in the set", strings.TrimSuffix(manyMembers(40), "}") + `,"m3":0}`, ErrDuplicate.Error()},
		{"case variants are distinct", `{"a":1,"A":2}`, ""},

		{"trailing comma", `[1,]`, "unexpected character at byte 3"},
		{"missing colon", `{"a" 1}`, "expected ':' at byte 5"},
		{"name not a string", `{a:1}`, "expected a member name at byte 1"},
		{"trailing data", `{} {}`, "unexpected data after the JSON value at byte 3"},
		{"empty", ``, "unexpected end of input at byte 0"},
		{"partial literal", `tru`, "unexpected end of input at byte 3"},
		{"wrong literal", `trUe`, "unexpected character at byte 2"},
		{"byte order mark", "\ufeff{}", "unexpected character at byte 0"},
		{"too deep", strings.Repeat("[", 33) + strings.Repeat("]", 33), "JSON nests more than 32 levels deep at byte 32"},
		{"deep enough", strings.Repeat("[", 32) + strings.Repeat("]", 32), ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			err := Valid([]byte(tc.in), 32)
			switch {
			case tc.want == "" && err != nil:
				t.Fatalf("Valid(%q) = %v, want nil", tc.in, err)
			case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)):
				t.Fatalf("Valid(%q) = %v, want an error containing %q", tc.in, err, tc.want)
			}
			if err == nil && !json.Valid([]byte(tc.in)) {
				t.Fatalf("accepted %q, which encoding/json refuses", tc.in)
			}
		})
	}
}

func manyMembers(n int) string {
	var b strings.Builder
	b.WriteByte('{')
	for i := range n {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, `"m%d":%d`, i, i)
	}
	b.WriteByte('}')
	return b.String()
}

func TestErrorTypes(t *testing.T) {
	var se *SyntaxError
	if err := Valid([]byte(`[`), 0); !errors.As(err, &se) || se.Offset != 1 {
		t.Errorf("got %#v, want a *SyntaxError at 1", err)
	}
	var de *DepthError
	if err := Valid([]byte(`[[[]]]`), 2); !errors.As(err, &de) || de.Max != 2 || de.Offset != 2 {
		t.Errorf("got %#v, want a *DepthError at 2", err)
	}
	if err := Valid([]byte(`{"a":{"b":1,"b":1}}`), 0); !errors.Is(err, ErrDuplicate) {
		t.Errorf("got %v, want ErrDuplicate", err)
	}
}

func TestMembers(t *testing.T) {
	var got []string
	err := Members([]byte(` {"a":1, "\u0062":{"x":[1,2]},"c":"\u00e9"} `), 32, func(name, raw []byte) error {
		got = append(got, string(name)+"="+string(raw))
		return nil
	})
	want := []string{`a=1`, `b={"x":[1,2]}`, `c="\u00e9"`}
	if err != nil || !reflect.DeepEqual(got, want) {
		t.Fatalf("got %q, %v; want %q", got, err, want)
	}
	stop := errors.New("stop")
	if err := Members([]byte(`{"a":1}`), 32, func(_, _ []byte) error { return stop }); err != stop {
		t.Errorf("fn's error: got %v, want it unchanged", err)
	}
	for _, in := range []string{`[]`, `"x"`, `{"a":1}x`, `{"a":1,"a":1}`, ``, `{"a":"\ud800"}`} {
		if err := Members([]byte(in), 32, func(_, _ []byte) error { return nil }); err == nil {
			t.Errorf("Members(%q) accepted", in)
		}
	}
}

func TestElements(t *testing.T) {
	var got []string
	err := Elements([]byte(`[ "a", 1 ,{"b":[]} ]`), 32, func(raw []byte) error {
		got = append(got, string(raw))
		return nil
	})
	if want := []string{`"a"`, `1`, `{"b":[]}`}; err != nil || !reflect.DeepEqual(got, want) {
		t.Fatalf("got %q, %v; want %q", got, err, want)
	}
	for _, in := range []string{`{}`, `[1,]`, `[{"a":1,"a":2}]`, `[] 1`} {
		if err := Elements([]byte(in), 32, func([]byte) error { return nil }); err == nil {
			t.Errorf("Elements(%q) accepted", in)
		}
	}
}

func TestUnquote(t *testing.T) {
	for _, lit := range []string{`""`, `"abc"`, `"a\"b\\c\/d"`, `"\b\f\n\r\t"`, `"\u0000\u001f\u00e9\u20ac"`, `"\ud83d\ude00x"`, `"\uD83D\uDE00"`, `"日本\n語"`} {
		got, ok := Unquote([]byte(lit))
		var want string
		if err := json.Unmarshal([]byte(lit), &want); err != nil || !ok || got != want {
			t.Errorf("Unquote(%s) = %q, %v; encoding/json: %q", lit, got, ok, want)
		}
	}
	for _, lit := range []string{``, `"`, `"a`, `"\ud800"`, `1`, `null`, `"a" `, `"a"b"`} {
		if _, ok := Unquote([]byte(lit)); ok {
			t.Errorf("Unquote(%s) accepted", lit)
		}
	}
}

// decode builds the value of one strict JSON text with the Scanner alone,
// the way encoding/json decodes into an interface{}: objects as
// map[string]any, arrays as []any, numbers as float64.
func decode(s *Scanner) any {
	s.SkipSpace()
	if s.EOF() {
		return nil
	}
	start := s.Pos
	switch c := s.Data[s.Pos]; {
	case c == '{':
		m := map[string]any{}
		if s.Open('}') {
			var names Names
			for {
				lit, _, ok := s.Name()
				if !ok {
					return nil
				}
				name := AppendUnquote(nil, lit)
				if names.Add(name) {
					s.Err = ErrDuplicate
					return nil
				}
				m[string(name)] = decode(s)
				if !s.Next('}') {
					break
				}
			}
			s.Close()
		}
		return m
	case c == '[':
		a := []any{}
		if s.Open(']') {
			for {
				a = append(a, decode(s))
				if !s.Next(']') {
					break
				}
			}
			s.Close()
		}
		return a
	case c == '"':
		s.String()
		if s.Err != nil {
			return nil
		}
		return string(AppendUnquote(nil, s.Data[start:s.Pos]))
	case c == 't':
		return s.Literal("true")
	case c == 'f':
		s.Literal("false")
		return false
	case c == 'n':
		s.Literal("null")
		return nil
	}
	if !s.Number() {
		return nil
	}
	f, err := strconv.ParseFloat(string(s.Data[start:s.Pos]), 64)
	if err != nil {
		s.Err = err // out of range: encoding/json refuses it too
	}
	return f
}

// differential checks one input both ways: whatever the strict layer
// accepts, encoding/json accepts and decodes to the same value; and the
// hand-built decoder agrees with Valid about acceptance.
func differential(t *testing.T, in []byte) {
	t.Helper()
	err := Valid(in, 0)
	s := Scanner{Data: in}
	got := decode(&s)
	s.end()
	if (err == nil) != (s.Err == nil) && !strings.Contains(fmt.Sprint(s.Err), "range") {
		t.Fatalf("%q: Valid says %v, the token walk %v", in, err, s.Err)
	}
	if err != nil || s.Err != nil {
		return
	}
	var want any
	if jerr := json.Unmarshal(in, &want); jerr != nil {
		t.Fatalf("%q: accepted, encoding/json refuses: %v", in, jerr)
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("%q: strict reading %#v, encoding/json %#v", in, got, want)
	}
}

var differentialSeeds = []string{
	`{}`, `[]`, `""`, `0`, `-0`, `-0.0e-0`, `1E+400`, `123456789012345678901234567890`,
	`1.7976931348623157e308`, `5e-324`, `0.1`, `true`, `false`, `null`,
	`{"a":[1,{"b":null}],"c":"\u00e9\ud834\udd1e\/\\\"","d":{"":""}}`,
	`{"\u0000":"\u001f","é":"日本","😀":"\uffff"}`,
	`"\ud83d\ude00\uDBFF\uDFFF"`, " [ 1 , 2 ] ", `{"a":1,"A":2,"ſ":3,"s":4}`,
	`{"a":1,"\u0061":2}`, `"\ud800"`, "\"\xff\"", `[1,]`, `01`,
}

func TestDifferential(t *testing.T) {
	for _, s := range differentialSeeds {
		differential(t, []byte(s))
	}
	// Every two-byte escape and every \u escape of the BMP outside the
	// surrogates, against encoding/json's decoding.
	for _, e := range []string{`\"`, `\\`, `\/`, `\b`, `\f`, `\n`, `\r`, `\t`} {
		differential(t, []byte(`"x`+e+`y"`))
	}
	for r := 0; r <= 0xFFFF; r += 7 {
		if r >= 0xD800 && r <= 0xDFFF {
			continue
		}
		differential(t, fmt.Appendf(nil, `["\u%04x","\u%04X"]`, r, r))
	}
}

// FuzzValid asserts error types, not only the absence of panics: every
// refusal is a *SyntaxError, a *DepthError or ErrDuplicate, and whatever
// is accepted decodes as encoding/json decodes it.
func FuzzValid(f *testing.F) {
	for _, s := range differentialSeeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		err := Valid(in, 16)
		var se *SyntaxError
		var de *DepthError
		if err != nil && !errors.As(err, &se) && !errors.As(err, &de) && !errors.Is(err, ErrDuplicate) {
			t.Fatalf("%q: error of type %T", in, err)
		}
		if de == nil {
			differential(t, in)
		}
		if err == nil && !json.Valid(in) {
			t.Fatalf("accepted %q, which encoding/json refuses", in)
		}
		if lit, ok := Unquote(in); ok {
			var want string
			if json.Unmarshal(in, &want) != nil || lit != want {
				t.Fatalf("Unquote(%q) = %q, encoding/json %q", in, lit, want)
			}
		}
	})
}
