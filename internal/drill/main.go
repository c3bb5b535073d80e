// Command drill runs fault and load drills against the example service
// (examples/trialbalance): it starts a loopback Secrets Manager and the
// service as a separate process, drives it with a bounded load on
// loopback, injects one fault per scenario and checks invariants that must
// hold whatever fails. scripts/drill starts Redis Cluster and MariaDB and
// passes them in DRILL_* variables; run it through that script.
//
// The last line of its output is "N passed, N failed" over the invariants;
// the exit status is 1 when any failed.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"syscall"
	"time"
)

// settings are the sizes of one run.
type settings struct {
	workers  int           // concurrent load workers
	phase    time.Duration // length of the before and after phases
	fault    time.Duration // how long a fault lasts
	recovery time.Duration // the stated time to get back to the steady state
	storm    int           // wrong-password logins in the login storm
}

func main() {
	quick := flag.Bool("quick", false, "small load, all scenarios, well under 5 minutes")
	only := flag.String("only", "", "run only the scenario with this name")
	out := flag.String("report", "", "directory for report.txt and report.json (default: a new temporary directory)")
	flag.Parse()
	s := settings{workers: 6, phase: 20 * time.Second, fault: 60 * time.Second, recovery: 30 * time.Second, storm: 200}
	if *quick {
		s = settings{workers: 3, phase: 5 * time.Second, fault: 8 * time.Second, recovery: 20 * time.Second, storm: 40}
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	code := run(ctx, s, *only, *out)
	os.Exit(code)
}

func run(ctx context.Context, s settings, only, out string) int {
	env, err := loadEnv()
	if err != nil {
		fmt.Fprintln(os.Stderr, "drill:", err)
		return 2
	}
	if out == "" {
		// Not the work directory: scripts/drill removes that on exit.
		if out, err = os.MkdirTemp("", "lambdasec-drill-report-"); err != nil {
			fmt.Fprintln(os.Stderr, "drill:", err)
			return 2
		}
	}
	d, err := newDrill(ctx, env, s)
	if err != nil {
		fmt.Fprintln(os.Stderr, "drill:", err)
		return 2
	}
	defer d.close()
	var results []*scenarioResult
	for _, sc := range scenarios() {
		if only != "" && sc.name != only {
			continue
		}
		if ctx.Err() != nil {
			break
		}
		fmt.Printf("==> scenario %s: %s\n", sc.name, sc.fault)
		results = append(results, d.runScenario(ctx, sc))
	}
	passed, failed := writeReport(os.Stdout, out, s, results)
	fmt.Printf("%d passed, %d failed\n", passed, failed)
	if failed > 0 || ctx.Err() != nil {
		return 1
	}
	return 0
}
