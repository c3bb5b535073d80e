package xrayenv

import (
	"testing"

	"github.com/aws/aws-xray-sdk-go/v2/daemoncfg"
)

func TestLiteral(t *testing.T) {
	tests := []struct {
		in   string
		want bool
	}{
		{"127.0.0.1:2000", true},
		{"169.254.79.129:2000", true},
		{"tcp:127.0.0.1:2000 udp:127.0.0.2:2001", true},
		{"udp:127.0.0.1:2000 tcp:127.0.0.1:2001", true},
		// Host names make the SDK resolve them while the program starts.
		{"localhost:2000", false},
		{"xray-daemon:2000", false},
		{"not-an-addr", false},
		{"127.0.0.1", false},
		{"127.0.0.1:", false},
		{"127.0.0.1:99999", false},
		{"256.0.0.1:2000", false},
		// Found by FuzzLiteral: Go reads "01" octets as a host name.
		{"01.2.3.4:2000", false},
		{"[::1]:2000", false},
		{"tcp:127.0.0.1:2000 tcp:127.0.0.1:2000", false},
		{"127.0.0.1:2000 127.0.0.1:2000", false},
	}
	for _, tc := range tests {
		t.Run(tc.in, func(t *testing.T) {
			if got := literal(tc.in); got != tc.want {
				t.Errorf("literal(%q) = %v, want %v", tc.in, got, tc.want)
			}
		})
	}
}

// FuzzLiteral checks that every value left in the environment is one the
// SDK parses without error, so it cannot panic at start-up.
func FuzzLiteral(f *testing.F) {
	for _, s := range []string{"127.0.0.1:2000", "tcp:1.2.3.4:1 udp:1.2.3.4:2", "a:1", "1.2.3.4:0", "01.2.3.4:65535"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if !literal(s) {
			return
		}
		t.Setenv(Name, "")
		if _, err := daemoncfg.GetDaemonEndpointsFromString(s); err != nil {
			t.Fatalf("literal(%q) but the SDK fails: %v", s, err)
		}
	})
}
