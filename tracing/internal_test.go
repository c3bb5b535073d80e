package tracing

import (
	"encoding/hex"
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
		// The attack table: literals written to end early.
		{name: "doubled quote then text", in: "SELECT 'a'' OR secret=''1' FROM t", want: "SELECT ? FROM t"},
		{name: "quote then punctuation", in: "INSERT INTO t VALUES ('x'' secret-token-123')", want: "INSERT INTO t VALUES (?)"},
		{name: "double-quoted with single quotes", in: `SELECT "it's 'secret'" FROM t`, want: "SELECT ? FROM t"},
		{name: "backslash before doubled quote", in: `SELECT 'a\'' secret' FROM t`, want: "SELECT ?"},
		{name: "postgres escape string", in: `SELECT E'a\' secret' FROM t`, want: "SELECT E?"},
		{name: "unicode escape string", in: "SELECT U&'d\\0061t' FROM t", want: "SELECT U&?"},
		{name: "national and charset literals", in: "SELECT N'secret', _utf8mb4'secret2' COLLATE x", want: "SELECT N?, _utf8mb4? COLLATE x"},
		{name: "hex and bit literals", in: "SELECT X'736563726574', x'00', B'0101', 0x736563726574, 0b101", want: "SELECT X?, x?, B?, ?, ?"},
		{name: "exponent and sign", in: "SELECT -1.5e-3, .25 FROM t", want: "SELECT -?-?, .? FROM t"},
		{name: "comment holding a quote", in: "SELECT a -- it's\nFROM t WHERE b = 'secret'", want: "SELECT a \nFROM t WHERE b = ?"},
		{name: "quote holding a comment", in: "SELECT '-- not a comment', 'secret' FROM t", want: "SELECT ?, ? FROM t"},
		// PostgreSQL nests block comments.
		{name: "nested block comment", in: "SELECT /* a /* b */ secret */ 1", want: "SELECT   ?"},
		{name: "unterminated block comment", in: "SELECT 1 /* secret", want: "SELECT ?  "},
		{name: "unterminated quoted identifier", in: "SELECT `col 'secret'", want: "SELECT ?"},
		{name: "dollar quote holding quotes", in: "SELECT $q$it's ' \\ secret$q$ FROM t", want: "SELECT ? FROM t"},
		{name: "dollar quote with other tag inside", in: "SELECT $a$ $b$ secret $b$ $a$, 'x'", want: "SELECT ?, ?"},
		{name: "multi-byte literal", in: "SELECT 'pässwörd', 名前 FROM t", want: "SELECT ?, 名前 FROM t"},
		{name: "invalid UTF-8 in literal", in: "SELECT '\xff\xfe secret'", want: "SELECT ?"},
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

// FuzzSanitizeQuery writes a fuzzed value as each kind of SQL literal
// (and comment) between fuzzed SQL, and checks that the value leaves no
// trace: the statement sanitises to what the statement with a harmless
// value does, or to a prefix of it when the value holds a backslash (the
// sanitiser then drops the rest).
func FuzzSanitizeQuery(f *testing.F) {
	f.Add("SELECT a FROM t WHERE b =", "secret", "AND c = 1", uint8(0))
	f.Add("UPDATE t SET a =", "x' secret-token-123", "", uint8(1))
	f.Add("SELECT", "it''s $$ */ -- \n", ", $1", uint8(2))
	f.Add("SELECT", "\xff\x00é", "'", uint8(3))
	f.Add("ALTER USER app IDENTIFIED BY", `a\' OR 1`, "", uint8(5))
	f.Fuzz(func(t *testing.T, prefix, value, suffix string, kind uint8) {
		// Keep the prefix outside of literals and comments, so the
		// literal below is one.
		prefix = strings.Map(func(r rune) rune {
			if strings.ContainsRune("'\"`$#-/\\", r) {
				return ' '
			}
			return r
		}, prefix)
		lit, ok := sqlLiteral(value, kind)
		if !ok {
			return
		}
		harmless, _ := sqlLiteral("x", kind)
		got := sanitizeQuery(prefix + " " + lit + suffix)
		want := sanitizeQuery(prefix + " " + harmless + suffix)
		if len(got) > maxQuery || !utf8.ValidString(got) {
			t.Fatalf("result %q", got)
		}
		if got != want && !strings.HasPrefix(want, got) {
			t.Fatalf("literal %q changed the result: %q, want %q", lit, got, want)
		}
	})
}

// sqlLiteral writes v as the kind of literal or comment k selects, the way
// a client library would, or reports that v cannot be written so.
func sqlLiteral(v string, k uint8) (string, bool) {
	switch k % 10 {
	case 0:
		return "'" + strings.ReplaceAll(v, "'", "''") + "'", true
	case 1:
		return `"` + strings.ReplaceAll(v, `"`, `""`) + `"`, true
	case 2:
		return "$q$" + v + "$q$", strings.Index(v+"$q$", "$q$") == len(v)
	case 3:
		return "X'" + hex.EncodeToString([]byte(v)) + "'", true
	case 4:
		return "0x" + hex.EncodeToString([]byte(v)), v != ""
	case 5:
		r := strings.NewReplacer(`\`, `\\`, "'", `\'`)
		return "E'" + r.Replace(v) + "'", true
	case 6:
		return "-- " + v + "\n", !strings.Contains(v, "\n")
	case 7:
		return "/* " + v + " */", !strings.Contains(v, "*/") && !strings.Contains(v, "/*")
	case 8:
		return "_utf8mb4'" + strings.ReplaceAll(v, "'", "''") + "'", true
	default:
		digits := strings.Map(func(r rune) rune {
			if r >= '0' && r <= '9' {
				return r
			}
			return -1
		}, v)
		return "1" + digits + ".5e10", true
	}
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
		// MySQL quotes the duplicate value verbatim, so a value may hold
		// quotes: which quote ends it cannot be known, and everything
		// from the first quote goes, the key name with it.
		{name: "duplicate entry", in: "Error 1062 (23000): Duplicate entry 'alice@example.com' for key 'email'",
			want: "Error 1062 (23000): Duplicate entry ?"},
		{name: "quote inside the value", in: "Error 1062 (23000): Duplicate entry 'x' secret-token-123' for key 'users.email'",
			want: "Error 1062 (23000): Duplicate entry ?"},
		{name: "value imitating the message", in: "Duplicate entry 'x' for key 'k' secret' for key 'email'",
			want: "Duplicate entry ?"},
		{name: "mixed quotes in the value", in: "Duplicate entry 'a\"b`c' d\" secret' for key 'email' (1)",
			want: "Duplicate entry ?"},
		// A message cut inside a value: unpaired quotes run to the end.
		{name: "cut after a value", in: "near 'x' and 'secret", want: "near ?"},
		{name: "url error", in: `Get "https://api.example.com/v1?token=s3cret": dial tcp 127.0.0.1:1: connect: connection refused`,
			want: "Get ?"},
		{name: "redis refusal", in: "ERR unknown command 'SETX', with args beginning with: 'session:1' 'hunter2' ",
			want: "ERR unknown command ?"},
		{name: "multi-byte", in: "value 'pässwörd' rejected", want: "value ?"},
		{name: "apostrophe before the value", in: "can't connect: server said 'no'", want: "can't connect: server said ?"},
		{name: "apostrophe in a word", in: "Error 1146 (42S02): Table 'app.t' doesn't exist",
			want: "Error 1146 (42S02): Table ?"},
		{name: "double quotes", in: `value "s3cret" rejected`, want: "value ?"},
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

// FuzzRedactMessage checks that no byte of a quoted value survives: the
// message with the fuzzed value in it redacts to what the message with a
// harmless value does.
func FuzzRedactMessage(f *testing.F) {
	f.Add("Duplicate entry", "x' secret-token-123", "for key 'email'")
	f.Add("near", "a\"b`c'", "at line 1")
	f.Add("", "doesn't", "")
	f.Add("Get", "https://h/?token=t", ": refused")
	f.Fuzz(func(t *testing.T, prefix, value, suffix string) {
		got := redactMessage(prefix + " '" + value + "' " + suffix)
		want := redactMessage(prefix + " 'x' " + suffix)
		if len(got) > maxMessage || !utf8.ValidString(got) {
			t.Fatalf("result %q", got)
		}
		if got != want {
			t.Fatalf("value %q changed the result: %q, want %q", value, got, want)
		}
	})
}

func FuzzParseTraceparent(f *testing.F) {
	for _, s := range []string{"00-5759e988bd862e3fe1be46a994272793-53995c3f42cd8ad8-01",
		"00-00000000000000000000000000000000-53995c3f42cd8ad8-01", "ff-x", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		h, ok := parseTraceparent(s)
		if !ok {
			return
		}
		if !validTraceID(h.root) || !validSegmentID(h.parent) || h.sampled < 0 {
			t.Fatalf("accepted %q as %+v", s, h)
		}
		if again, ok := parseTraceparent(h.traceparent()); !ok || again != h {
			t.Fatalf("round trip %+v -> %+v", h, again)
		}
	})
}
