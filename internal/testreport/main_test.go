package main

import (
	"bytes"
	"strings"
	"testing"
)

func TestReport(t *testing.T) {
	tests := []struct {
		name     string
		in       string
		want     []string // lines that must appear
		notWant  []string
		failures bool
	}{
		{
			name: "pass and skip",
			in: `{"Action":"run","Package":"p","Test":"TestA"}
{"Action":"output","Package":"p","Test":"TestA","Output":"noise\n"}
{"Action":"pass","Package":"p","Test":"TestA"}
{"Action":"output","Package":"p","Test":"TestB","Output":"    x_test.go:9: redis unavailable: run scripts/test\n"}
{"Action":"output","Package":"p","Test":"TestB","Output":"--- SKIP: TestB (0.00s)\n"}
{"Action":"skip","Package":"p","Test":"TestB"}
{"Action":"pass","Package":"p","Elapsed":1.5}`,
			want:    []string{"ok    p (1.5s)", "p TestB: x_test.go:9: redis unavailable: run scripts/test", "1 passed, 0 failed, 1 skipped"},
			notWant: []string{"noise"},
		},
		{
			name: "failing test shows its output",
			in: `{"Action":"output","Package":"p","Test":"TestC","Output":"    c_test.go:3: got 1, want 2\n"}
{"Action":"fail","Package":"p","Test":"TestC"}
{"Action":"fail","Package":"p","Elapsed":0.2}`,
			want:     []string{"--- FAIL: TestC (p)", "got 1, want 2", "FAIL  p (0.2s)", "0 passed, 1 failed, 0 skipped"},
			failures: true,
		},
		{
			name: "package failure without a failing test",
			in: `{"Action":"output","Package":"p","Output":"panic: boom\n"}
{"Action":"fail","Package":"p","Elapsed":0.1}`,
			want:     []string{"panic: boom", "FAIL  p", "0 passed, 1 failed"},
			failures: true,
		},
		{
			name: "build failure",
			in: `{"ImportPath":"p","Action":"build-output","Output":"p/x.go:1: syntax error\n"}
{"ImportPath":"p","Action":"build-fail"}
not json from the linker`,
			want:     []string{"syntax error", "not json from the linker", "0 passed, 1 failed"},
			failures: true,
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var out bytes.Buffer
			r := newReport(&out)
			if err := r.read(strings.NewReader(tc.in)); err != nil {
				t.Fatal(err)
			}
			r.finish()
			for _, w := range tc.want {
				if !strings.Contains(out.String(), w) {
					t.Errorf("output lacks %q:\n%s", w, out.String())
				}
			}
			for _, w := range tc.notWant {
				if strings.Contains(out.String(), w) {
					t.Errorf("output has %q:\n%s", w, out.String())
				}
			}
			if got := r.failed > 0 || r.pkgFailed; got != tc.failures {
				t.Errorf("failures: got %v, want %v", got, tc.failures)
			}
		})
	}
}
