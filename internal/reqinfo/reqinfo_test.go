package reqinfo

import "testing"

func TestTraceRoot(t *testing.T) {
	const root = "1-5759e988-bd862e3fe1be46a994272793"
	for _, tc := range []struct{ in, want string }{
		{"Root=" + root + ";Parent=53995c3f42cd8ad8;Sampled=1", root},
		{"Self=1-67891234-12456789abcdef012345678;Root=" + root, root},
		{" Root=" + root + " ", root},
		{"", ""},
		{"Root=1-5759e988-BD862E3FE1BE46A994272793", ""}, // upper case is not X-Ray's spelling
		{"Root=1-5759e988-bd862e3fe1be46a99427279", ""},  // short
		{"Root=2-5759e988-bd862e3fe1be46a994272793", ""},
		{"Root=1-5759e988-bd862e3fe1be46a99427279\n", ""},
		{"Root=" + root[:34] + "g", ""},
	} {
		if got := TraceRoot(tc.in); got != tc.want {
			t.Errorf("TraceRoot(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func FuzzTraceRoot(f *testing.F) {
	f.Add("Root=1-5759e988-bd862e3fe1be46a994272793;Sampled=1")
	f.Fuzz(func(t *testing.T, h string) {
		if r := TraceRoot(h); r != "" && (len(r) != 35 || !isHexDash(r)) {
			t.Fatalf("TraceRoot(%q) = %q", h, r)
		}
	})
}
