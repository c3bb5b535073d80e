package tracing

import (
	"strings"
	"testing"
	"unicode/utf8"
)

func TestParseTraceHeader(t *testing.T) {
	const root = "1-5759e988-bd862e3fe1be46a994272793"
	tests := []struct {
		name string
		in   string
		want traceHeader
		ok   bool
	}{
		{name: "full", in: "Root=" + root + ";Parent=53995c3f42cd8ad8;Sampled=1",
			want: traceHeader{root, "53995c3f42cd8ad8", 1}, ok: true},
		{name: "spaces and order", in: " Sampled=0 ; Root=" + root,
			want: traceHeader{root, "", 0}, ok: true},
		{name: "undecided", in: "Root=" + root + ";Sampled=?", want: traceHeader{root, "", -1}, ok: true},
		{name: "extra fields dropped", in: "Self=1-aaa;Root=" + root + ";Lineage=a:1",
			want: traceHeader{root, "", -1}, ok: true},
		// Anything but X-Ray's exact id formats is dropped, so clients
		// cannot put arbitrary text into trace documents.
		{name: "uppercase hex", in: "Root=1-5759E988-bd862e3fe1be46a994272793", want: traceHeader{"", "", -1}},
		{name: "short root", in: "Root=1-5759e988-bd86", want: traceHeader{"", "", -1}},
		{name: "wrong version", in: "Root=2-5759e988-bd862e3fe1be46a994272793", want: traceHeader{"", "", -1}},
		{name: "json in root", in: `Root=1-5759e988-"},{"x":"aaaaaaaaaaaaaaaaaa`, want: traceHeader{"", "", -1}},
		{name: "bad parent", in: "Root=" + root + ";Parent=xyz", want: traceHeader{root, "", -1}, ok: true},
		{name: "parent without root", in: "Parent=53995c3f42cd8ad8;Sampled=1", want: traceHeader{"", "", 1}},
		{name: "empty", in: "", want: traceHeader{"", "", -1}},
		{name: "too long", in: "Root=" + root + ";" + strings.Repeat("x", 600), want: traceHeader{"", "", -1}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, ok := parseTraceHeader(tc.in)
			if got != tc.want || ok != tc.ok {
				t.Errorf("got %+v %v, want %+v %v", got, ok, tc.want, tc.ok)
			}
		})
	}
	h := traceHeader{root, "53995c3f42cd8ad8", 1}
	if got, _ := parseTraceHeader(h.String()); got != h {
		t.Errorf("round trip: %+v", got)
	}
}

func TestNewTraceID(t *testing.T) {
	a, b := newTraceID(), newTraceID()
	if !validTraceID(a) || !validTraceID(b) || a == b {
		t.Errorf("ids %q %q", a, b)
	}
}

func TestSanitizeName(t *testing.T) {
	tests := []struct{ name, in, want string }{
		{name: "plain", in: "orders", want: "orders"},
		{name: "route", in: "GET /users/{id}", want: "GET /users/:id"},
		{name: "wildcard", in: "GET /files/{path...}", want: "GET /files/:path..."},
		{name: "exact match", in: "GET /{$}", want: "GET /"},
		{name: "host pattern", in: "api.example.com/v1/", want: "api.example.com/v1/"},
		{name: "disallowed", in: "a<b>c\n", want: "a_b_c_"},
		{name: "unicode letters", in: "café", want: "café"},
		{name: "empty", in: "", want: "unnamed"},
		{name: "long", in: strings.Repeat("é", 300), want: strings.Repeat("é", 200)},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := sanitizeName(tc.in); got != tc.want {
				t.Errorf("got %q, want %q", got, tc.want)
			}
		})
	}
}

func TestSanitizeQuery(t *testing.T) {
	tests := []struct{ name, in, want string }{
		{name: "placeholders kept", in: "SELECT a FROM t WHERE id = ?", want: "SELECT a FROM t WHERE id = ?"},
		// A password written into a statement must never be recorded.
		{name: "string literal", in: "ALTER USER 'app'@'%' IDENTIFIED BY 's3cr3t'", want: "ALTER USER ?@? IDENTIFIED BY ?"},
		{name: "escaped quotes", in: `SELECT 'it''s', "a""b" , x`, want: "SELECT ?, ? , x"},
		{name: "numbers", in: "SELECT 42, 3.14, 0xFF FROM t2 LIMIT 10", want: "SELECT ?, ?, ? FROM t2 LIMIT ?"},
		{name: "identifiers with digits", in: "SELECT col1 FROM `tab 2`", want: "SELECT col1 FROM `tab 2`"},
		{name: "line comment", in: "SELECT 1 -- token=abc\nFROM t", want: "SELECT ? \nFROM t"},
		{name: "hash comment", in: "SELECT 1 # secret", want: "SELECT ? "},
		{name: "block comment", in: "SELECT /* secret */ 1", want: "SELECT   ?"},
		{name: "unterminated", in: "SELECT 'abc", want: "SELECT ?"},
		// PostgreSQL ends a standard string at the quote after a
		// backslash, MySQL does not: neither reading may leak "secret".
		{name: "backslash in literal", in: `UPDATE t SET a = 'x\', b = 'secret' WHERE id = 1`, want: "UPDATE t SET a = ?"},
		{name: "backslash escape", in: `SELECT 'it\'s secret' FROM t`, want: "SELECT ?"},
		// PostgreSQL dollar quoting holds literals too.
		{name: "dollar quoted", in: "ALTER ROLE app PASSWORD $$secret$$ VALID UNTIL 'x'", want: "ALTER ROLE app PASSWORD ? VALID UNTIL ?"},
		{name: "tagged dollar quote", in: "SELECT $fn$ a $$ secret $fn$, $1", want: "SELECT ?, $1"},
		{name: "unterminated dollar quote", in: "SELECT $x$secret", want: "SELECT ?"},
		{name: "placeholders and dollar identifiers", in: "SELECT a$b FROM t WHERE x = $1 AND y = $2", want: "SELECT a$b FROM t WHERE x = $1 AND y = $2"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := sanitizeQuery(tc.in); got != tc.want {
				t.Errorf("got %q, want %q", got, tc.want)
			}
		})
	}
	if got := sanitizeQuery(strings.Repeat("a", 5000)); len(got) != maxQuery {
		t.Errorf("long query cut to %d bytes", len(got))
	}
}

func FuzzParseTraceHeader(f *testing.F) {
	for _, s := range []string{
		"Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1",
		"Root=1-5759e988-bd862e3fe1be46a994272793;Sampled=0",
		"Self=1-67891233-12456789abcdef012345678;Root=1-67891233-abcdef012345678912345678",
		"Root=;Parent=;Sampled=", ";;;", "Root", "=",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		h, ok := parseTraceHeader(s)
		if ok != (h.root != "") {
			t.Fatalf("ok %v with root %q", ok, h.root)
		}
		if h.root != "" && !validTraceID(h.root) || h.parent != "" && !validSegmentID(h.parent) {
			t.Fatalf("invalid id accepted: %+v", h)
		}
		if h.sampled < -1 || h.sampled > 1 {
			t.Fatalf("sampled %d", h.sampled)
		}
		if ok {
			if again, _ := parseTraceHeader(h.String()); again != h {
				t.Fatalf("round trip %+v -> %+v", h, again)
			}
		}
	})
}

func FuzzSanitizeQuery(f *testing.F) {
	for _, s := range []string{"SELECT 'a', 1 FROM t -- c", `"\`, "/*", "`", "SELECT ? + 1", "x'y'z", "1e10",
		"SELECT $$zz9secret$$, $1", "$a$ $a", `'a\', 'zz9secret'`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got := sanitizeQuery(s)
		if len(got) > maxQuery || !utf8.ValidString(got) {
			t.Fatalf("result %q", got)
		}
		// A quoted literal never survives.
		if strings.Contains(s, "'zz9secret'") && !strings.Contains(s, "`") && strings.Contains(got, "zz9secret") {
			t.Fatalf("literal kept: %q -> %q", s, got)
		}
		if strings.Contains(s, "$$zz9secret$$") && !strings.ContainsAny(s, "`'\"") && strings.Contains(got, "zz9secret") {
			t.Fatalf("dollar-quoted literal kept: %q -> %q", s, got)
		}
	})
}

func FuzzAnnotationKeyAndName(f *testing.F) {
	for _, s := range []string{"user.id", "GET /a/{b}", "{$}", "", "é\xff", "cold_start"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if k, err := annotationKey(s); err == nil {
			if k == "" || len(k) > maxAnnotationKey {
				t.Fatalf("key %q", k)
			}
			for i := 0; i < len(k); i++ {
				if !keyByte(k[i]) {
					t.Fatalf("key %q has %q", k, k[i])
				}
			}
		}
		n := sanitizeName(s)
		if n == "" || utf8.RuneCountInString(n) > maxName {
			t.Fatalf("name %q", n)
		}
		for _, r := range n {
			if !nameRune(r) {
				t.Fatalf("name %q has %q", n, r)
			}
		}
		if v, err := annotationValue(s); err != nil || utf8.RuneCountInString(v.(string)) > maxAnnotationValue || !utf8.ValidString(v.(string)) {
			t.Fatalf("value %v %v", v, err)
		}
	})
}

func TestRedactMessage(t *testing.T) {
	tests := []struct{ name, in, want string }{
		// MySQL quotes the duplicate value: it may be personal data.
		{name: "duplicate entry", in: "Error 1062 (23000): Duplicate entry 'alice@example.com' for key 'email'",
			want: "Error 1062 (23000): Duplicate entry ? for key ?"},
		{name: "apostrophe in a word", in: "Error 1146 (42S02): Table 'app.t' doesn't exist",
			want: "Error 1146 (42S02): Table ? doesn't exist"},
		{name: "double quotes", in: `value "s3cret" rejected`, want: "value ? rejected"},
		{name: "unterminated", in: "near 'secret", want: "near ?"},
		{name: "plain", in: "driver: bad connection", want: "driver: bad connection"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := redactMessage(tc.in); got != tc.want {
				t.Errorf("got %q, want %q", got, tc.want)
			}
		})
	}
}

func FuzzRedactMessage(f *testing.F) {
	for _, s := range []string{"Duplicate entry 'a' for key 'b'", "doesn't", `"`, "'", "``x"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got := redactMessage(s)
		if len(got) > maxMessage || !utf8.ValidString(got) {
			t.Fatalf("result %q", got)
		}
		if strings.Contains(s, " 'zz9secret' ") && strings.Contains(got, "zz9secret") && !strings.ContainsAny(s, "\"`") {
			t.Fatalf("quoted value kept: %q -> %q", s, got)
		}
	})
}
