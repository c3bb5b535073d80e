// Command testreport turns `go test -json` output into a short report:
// one line per package, the full output of every failing test, the reason
// of every skipped test, and a closing "N passed, N failed, N skipped"
// line. scripts/test pipes its test runs through it. It exits 1 when any
// test, package or build failed.
package main

import (
	"bufio"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"
)

// event is one line of `go test -json` (see `go doc test2json`).
type event struct {
	Action     string
	Package    string
	ImportPath string // build-output and build-fail events
	Test       string
	Elapsed    float64
	Output     string
}

type key struct{ pkg, test string }

type report struct {
	out                     io.Writer
	buf                     map[key][]string
	skips                   []string
	passed, failed, skipped int
	pkgFailed               bool
	testFailedIn            map[string]bool // packages with a failing test
}

func main() {
	counts := flag.String("counts", "", "also write the closing count line to this `file`")
	flag.Parse()
	r := newReport(os.Stdout)
	if err := r.read(os.Stdin); err != nil {
		fmt.Fprintln(os.Stderr, "testreport:", err)
		os.Exit(2)
	}
	r.finish()
	if *counts != "" {
		if err := os.WriteFile(*counts, []byte(r.counts()+"\n"), 0o644); err != nil {
			fmt.Fprintln(os.Stderr, "testreport:", err)
			os.Exit(2)
		}
	}
	if r.failed > 0 || r.pkgFailed {
		os.Exit(1)
	}
}

func newReport(out io.Writer) *report {
	return &report{out: out, buf: map[key][]string{}, testFailedIn: map[string]bool{}}
}

func (r *report) read(in io.Reader) error {
	sc := bufio.NewScanner(in)
	sc.Buffer(make([]byte, 0, 1<<16), 16<<20)
	for sc.Scan() {
		line := sc.Bytes()
		var e event
		if len(line) == 0 || line[0] != '{' || json.Unmarshal(line, &e) != nil {
			// Not an event: go vet or the linker talking. Show it.
			fmt.Fprintln(r.out, string(line))
			continue
		}
		r.handle(e)
	}
	return sc.Err()
}

func (r *report) handle(e event) {
	k := key{e.Package, e.Test}
	switch e.Action {
	case "build-output":
		fmt.Fprint(r.out, e.Output)
	case "build-fail":
		// A package that does not build counts as one failure, so the
		// closing line never reads "0 failed" for a broken tree.
		r.pkgFailed = true
		r.failed++
	case "output":
		r.buf[k] = append(r.buf[k], e.Output)
	case "pass", "fail", "skip":
		if e.Test == "" {
			r.endPackage(e)
		} else {
			r.endTest(e)
		}
		delete(r.buf, k)
	}
}

func (r *report) endTest(e event) {
	out := r.buf[key{e.Package, e.Test}]
	switch e.Action {
	case "pass":
		r.passed++
	case "fail":
		r.failed++
		r.testFailedIn[e.Package] = true
		fmt.Fprintf(r.out, "--- FAIL: %s (%s)\n", e.Test, e.Package)
		for _, l := range out {
			fmt.Fprint(r.out, "    ", l)
		}
	case "skip":
		r.skipped++
		r.skips = append(r.skips, fmt.Sprintf("%s %s: %s", e.Package, e.Test, skipReason(out)))
	}
}

func (r *report) endPackage(e event) {
	switch e.Action {
	case "pass":
		fmt.Fprintf(r.out, "ok    %s (%.1fs)\n", e.Package, e.Elapsed)
	case "skip":
		fmt.Fprintf(r.out, "-     %s (no tests)\n", e.Package)
	case "fail":
		r.pkgFailed = true
		if !r.testFailedIn[e.Package] {
			r.failed++ // a panic, timeout or TestMain failure outside any test
		}
		// Output not owned by a test: panics, timeouts, TestMain failures.
		for _, l := range r.buf[key{e.Package, ""}] {
			if l != "FAIL\n" && !strings.HasPrefix(l, "FAIL\t") {
				fmt.Fprint(r.out, "    ", l)
			}
		}
		fmt.Fprintf(r.out, "FAIL  %s (%.1fs)\n", e.Package, e.Elapsed)
	}
}

// skipReason is the message a skipped test gave: its last non-status
// output line.
func skipReason(out []string) string {
	for i := len(out) - 1; i >= 0; i-- {
		l := strings.TrimSpace(out[i])
		if l == "" || strings.HasPrefix(l, "--- SKIP") || strings.HasPrefix(l, "=== ") {
			continue
		}
		return l
	}
	return "(no reason given)"
}

func (r *report) finish() {
	if len(r.skips) > 0 {
		sort.Strings(r.skips)
		fmt.Fprintln(r.out, "skipped tests:")
		for _, s := range r.skips {
			fmt.Fprintln(r.out, "    "+s)
		}
	}
	fmt.Fprintln(r.out, r.counts())
}

// counts is the closing line: "N passed, N failed, N skipped".
func (r *report) counts() string {
	return fmt.Sprintf("%d passed, %d failed, %d skipped", r.passed, r.failed, r.skipped)
}
