// Command lambdasec-audit checks SAM and CloudFormation templates against
// the security posture a Lambda + API Gateway + RDS service needs:
// throttled, logged and WAF-protected APIs; functions in private subnets
// with tight security groups, customer managed keys, reserved concurrency
// that fits the database's max_connections, no public function URLs and
// least-privilege roles; private, encrypted, TLS-only RDS with backups and
// deletion protection; secrets kept out of templates and environments;
// X-Ray, alarms, CloudTrail and VPC flow logs.
//
// Usage:
//
//	lambdasec-audit [-format text|json|sarif] [-fail-on high] [-max-rate N] [-max-burst N] FILE...
//	go run github.com/lambdasec/lambdasec/cmd/lambdasec-audit@latest template.yaml
//
// It exits 0 when no unsuppressed finding is at or above -fail-on, 1 when
// one is, and 2 when a template cannot be read or the flags are wrong.
// README.md in this directory lists the rules and the suppression syntax.
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/lambdasec/lambdasec/cmd/lambdasec-audit/internal/audit"
	"github.com/lambdasec/lambdasec/cmd/lambdasec-audit/internal/cfn"
)

// Exit statuses.
const (
	exitOK       = 0
	exitFindings = 1
	exitError    = 2
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}

type options struct {
	format string
	failOn audit.Severity
	never  bool // -fail-on none
	cfg    audit.Config
	files  []string
}

func parseFlags(args []string, stderr io.Writer) (options, error) {
	var o options
	fs := flag.NewFlagSet("lambdasec-audit", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&o.format, "format", "text", "output `format`: text, json or sarif")
	failOn := fs.String("fail-on", "high", "exit 1 when a finding has this `severity` or higher (critical, high, medium, low, info, none)")
	fs.Float64Var(&o.cfg.MaxRate, "max-rate", audit.DefaultMaxRate, "highest stage throttling rate (requests per second) allowed")
	fs.IntVar(&o.cfg.MaxBurst, "max-burst", audit.DefaultMaxBurst, "highest stage throttling burst allowed")
	fs.Usage = func() {
		fmt.Fprintf(stderr, "usage: lambdasec-audit [flags] FILE... (- reads standard input)\n")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return o, err
	}
	o.files = fs.Args()
	switch {
	case len(o.files) == 0:
		fs.Usage()
		return o, errors.New("no template given")
	case o.format != "text" && o.format != "json" && o.format != "sarif":
		return o, fmt.Errorf("unknown -format %q (want text, json or sarif)", o.format)
	case o.cfg.MaxRate <= 0 || o.cfg.MaxBurst <= 0:
		return o, errors.New("-max-rate and -max-burst must be positive")
	}
	if strings.EqualFold(*failOn, "none") {
		o.never = true
		return o, nil
	}
	var err error
	o.failOn, err = audit.ParseSeverity(*failOn)
	return o, err
}

func run(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	o, err := parseFlags(args, stderr)
	if err != nil {
		if !errors.Is(err, flag.ErrHelp) {
			fmt.Fprintf(stderr, "lambdasec-audit: %v\n", err)
		}
		return exitError
	}
	var findings []audit.Finding
	status, read := exitOK, 0
	for _, name := range o.files {
		t, err := load(name, stdin)
		if err != nil {
			fmt.Fprintf(stderr, "lambdasec-audit: %v\n", err)
			status = exitError
			continue
		}
		read++
		findings = append(findings, audit.Check(t, o.cfg)...)
	}
	if read == 0 {
		return exitError // a report of nothing would read as "no findings"
	}
	if err := write(o.format, stdout, findings); err != nil {
		fmt.Fprintf(stderr, "lambdasec-audit: writing the report: %v\n", err)
		return exitError
	}
	if status == exitOK && !o.never {
		for _, f := range findings {
			if !f.Suppressed && f.Rule.Severity >= o.failOn {
				status = exitFindings
			}
		}
	}
	return status
}

func load(name string, stdin io.Reader) (*cfn.Template, error) {
	if name == "-" {
		return cfn.Read("<stdin>", stdin)
	}
	f, err := os.Open(name)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return cfn.Read(name, f)
}

func write(format string, w io.Writer, fs []audit.Finding) error {
	switch format {
	case "json":
		return audit.WriteJSON(w, fs)
	case "sarif":
		return audit.WriteSARIF(w, fs)
	}
	return audit.WriteText(w, fs)
}
