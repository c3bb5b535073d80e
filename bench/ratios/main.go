// Command ratios runs the hot-path and tracing benchmarks of this module
// in one go and prints every ratio to a floor or a peer that the goals
// are stated in, as a table: the paired benchmarks' own per-pair median
// ratios, and for benchmarks whose sides run one after the other the
// ratio of their ns/op in the same run.
//
//	scripts/test --serve /tmp/svc.env &   # Redis (and the rest)
//	. /tmp/svc.env && cd bench && go run ./ratios
//
// -paired sets how many pairs each paired benchmark times, -benchtime the
// duration of the others. The raw `go test` output is kept with -raw.
package main

import (
	"bufio"
	"bytes"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"regexp"
	"sort"
	"strconv"
	"strings"
)

// Benchmarks that time both sides pair by pair and report "ratio".
const pairedPattern = `^(BenchmarkJWTVerifyPaired|BenchmarkJWTRevocationCheckPaired|BenchmarkRateLimitPaired|` +
	`BenchmarkTracingXRayPaired|BenchmarkTracingOTelPaired|BenchmarkSecretsHitFloor|BenchmarkRefreshExchangePaired)$`

// Benchmarks whose sides run one after the other; the ratios below
// divide their ns/op.
const sidesPattern = `^(BenchmarkJWTAuth|BenchmarkPasswordHash|BenchmarkTracingOTel)$`

// ratio is ours/peer by sub-benchmark name, with the goal it answers.
type ratio struct{ ours, peer, goal string }

var ratios = []ratio{
	{"JWTAuth/jwtauth/Verify", "JWTAuth/floor", "<= 1.5"},
	{"JWTAuth/jwtauth/Verify", "JWTAuth/golang-jwt/ParseWithClaims", "peer"},
	{"JWTAuth/jwtauth/Verify", "JWTAuth/jwx/Parse", "peer"},
	{"JWTAuth/jwtauth/Middleware", "JWTAuth/floor", "<= 1.6"},
	{"JWTAuth/jwtauth/Middleware", "JWTAuth/auth0/Middleware", "peer"},
	{"PasswordHash/lambdasec", "PasswordHash/x-crypto-argon2", "= 1.0"},
	{"PasswordHash/lambdasec", "PasswordHash/alexedwards-argon2id", "peer"},
	{"TracingOTel/lambdasec-otlp-lambda", "TracingOTel/otelhttp-lambda", "peer"},
	{"TracingOTel/lambdasec-otlp", "TracingOTel/otelhttp-batch", "peer"},
}

// Goals of the paired benchmarks, by name (and, for several ratios in
// one benchmark, the metric's unit).
var pairedGoals = map[string]string{
	"JWTVerifyPaired/Verify":               "<= 1.5",
	"JWTVerifyPaired/Middleware":           "<= 1.6",
	"JWTVerifyPaired/Middleware-vs-Verify": "stated",
	"JWTRevocationCheckPaired":             "<= 1.05",
	"RateLimitPaired/Allow-vs-redis_rate":  "<= 1.0",
	"RateLimitPaired/Handler-vs-Allow":     "stated",
	"TracingXRayPaired":                    "<= 1.1",
	"TracingOTelPaired":                    "peer",
	"SecretsHitFloor lambdasec/syncmap":    "<= 1.5",
	"SecretsHitFloor handrolled/syncmap":   "peer",
}

func main() {
	paired := flag.String("paired", "20000x", "-benchtime of the paired benchmarks")
	benchtime := flag.String("benchtime", "1s", "-benchtime of the others")
	raw := flag.Bool("raw", false, "also print the go test output")
	flag.Parse()
	if os.Getenv("LAMBDASEC_REDIS_ADDR") == "" {
		fmt.Fprintln(os.Stderr, "ratios: LAMBDASEC_REDIS_ADDR is not set; the Redis benchmarks would skip (start scripts/test --serve)")
		os.Exit(2)
	}
	var out bytes.Buffer
	failed := false
	for _, run := range [][2]string{{pairedPattern, *paired}, {sidesPattern, *benchtime}} {
		cmd := exec.Command("go", "test", "-run", "^$", "-bench", run[0], "-benchtime", run[1], "-benchmem", ".")
		cmd.Stderr = os.Stderr
		cmd.Stdout = &out
		if *raw {
			cmd.Stdout = io.MultiWriter(&out, os.Stdout)
		}
		if err := cmd.Run(); err != nil {
			// A failed benchmark leaves the others' results: print them.
			failed = true
			fmt.Fprintf(os.Stderr, "ratios: go test -bench '%s': %v; its failures:\n", run[0], err)
			for _, l := range strings.Split(out.String(), "\n") {
				if strings.HasPrefix(l, "--- FAIL") || strings.HasPrefix(l, "    ") {
					fmt.Fprintln(os.Stderr, l)
				}
			}
		}
	}
	results := parse(&out)
	fmt.Printf("%-46s %8s %11s %-8s  %s\n", "paired ratio", "median", "p25-p75", "goal", "ns/op of each side")
	names := make([]string, 0, len(results))
	for n := range results {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		m := results[n]
		sides := sidesOf(m)
		for _, unit := range sortedKeys(m) {
			label := n
			switch {
			case unit == "ratio":
			case strings.Contains(unit, "/") && !strings.HasSuffix(unit, "/op"):
				label = n + " " + unit // pairedBatches: "<side>/<first side>"
			default:
				continue
			}
			spread := ""
			if p25, ok := m["ratio-p25"]; ok && unit == "ratio" {
				spread = fmt.Sprintf("%.2f-%.2f", p25, m["ratio-p75"])
			}
			fmt.Printf("%-46s %8.3f %11s %-8s  %s\n", label, m[unit], spread, pairedGoals[label], sides)
		}
	}
	fmt.Println("side by side (run one after the other, not paired: trust these less on a loaded machine)")
	for _, r := range ratios {
		o, p := results[r.ours]["ns/op"], results[r.peer]["ns/op"]
		label := r.ours + " / " + last(r.peer)
		if o == 0 || p == 0 {
			fmt.Printf("%-46s missing from the run\n", label)
			continue
		}
		fmt.Printf("%-46s %8.3f %11s %-8s  %.0f %.0f (%v %v allocs)\n", label, o/p, "", r.goal, o, p,
			results[r.ours]["allocs/op"], results[r.peer]["allocs/op"])
	}
	if failed {
		os.Exit(1)
	}
}

// sidesOf lists the "<side>-ns/op" metrics of a paired result.
func sidesOf(m map[string]float64) string {
	var s []string
	for _, unit := range sortedKeys(m) {
		if side, ok := strings.CutSuffix(unit, "-ns/op"); ok {
			s = append(s, fmt.Sprintf("%s %.0f", side, m[unit]))
		}
	}
	return strings.Join(s, ", ")
}

func sortedKeys(m map[string]float64) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

func last(name string) string { return name[strings.LastIndex(name, "/")+1:] }

var line = regexp.MustCompile(`^Benchmark(\S+?)(?:-\d+)?\s+\d+\s+(.*)$`)

// parse reads benchmark result lines into metrics by name (without the
// Benchmark prefix and the GOMAXPROCS suffix).
func parse(r io.Reader) map[string]map[string]float64 {
	res := map[string]map[string]float64{}
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		m := line.FindStringSubmatch(sc.Text())
		if m == nil {
			continue
		}
		f := strings.Fields(m[2])
		metrics := map[string]float64{}
		for i := 0; i+1 < len(f); i += 2 {
			if v, err := strconv.ParseFloat(f[i], 64); err == nil {
				metrics[f[i+1]] = v
			}
		}
		res[m[1]] = metrics
	}
	return res
}
