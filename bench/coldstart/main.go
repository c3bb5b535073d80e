// Command coldstart measures how long a Lambda function takes from a cold
// start to its first response, under the Lambda runtime interface
// emulator: the trialbalance example against a hello-world aws-lambda-go
// function, both built as Lambda would run them (linux, -tags
// lambda.norpc, -trimpath, stripped).
//
//	scripts/test --serve /tmp/svc.env &   # Redis and the emulator
//	. /tmp/svc.env && cd bench && go run ./coldstart -n 15
//
// Each round starts both functions, in alternating order, each in a fresh
// emulator, and times one invocation from the moment the emulator accepts
// it to the answer: the process start, the Go runtime, package
// initialisation, the function's own init and the first request. It
// prints the medians, their ratio and the stripped binary sizes; then
// both binaries' cost before main does any work (each started so that it
// exits at once: process start, runtime set-up, package initialisation);
// and a breakdown of one example start: package initialisation as the Go
// runtime reports it (GODEBUG=inittrace=1), the app's own set-up as the
// example logs it, the first request as its access log line says, and
// what remains (process start, runtime, the Lambda runtime API).
//
// The example runs with a real Redis (LAMBDASEC_REDIS_ADDR), the in-memory
// store, and an X-Ray daemon address (a UDP port nobody reads), as in
// Lambda. The emulator's binary comes from LAMBDASEC_LAMBDA_RIE. The
// README's "Cold start" section gives the last results and where the
// example's extra time goes. The machine's other work moves every figure:
// quote the ratios of one run, never times of different runs.
package main

import (
	"bufio"
	"bytes"
	"cmp"
	"crypto/rand"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"maps"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
)

// healthz is the example's first request: an HTTP API healthz event.
const healthz = `{"version":"2.0","routeKey":"$default","rawPath":"/healthz","rawQueryString":"",
"headers":{"host":"a1b2c3d4e5.execute-api.us-east-1.amazonaws.com"},
"requestContext":{"apiId":"a1b2c3d4e5","domainName":"a1b2c3d4e5.execute-api.us-east-1.amazonaws.com",
"http":{"method":"GET","path":"/healthz","protocol":"HTTP/1.1","sourceIp":"198.51.100.10"},
"requestId":"cold","routeKey":"$default","stage":"$default"},"isBase64Encoded":false}`

type function struct {
	name, pkg, bootstrap string
	env                  []string
	size                 int64
	times                []time.Duration
}

func main() {
	n := flag.Int("n", 11, "cold starts of each function")
	root := flag.String("root", "..", "the lambdasec repository root")
	flag.Parse()
	if err := run(*n, *root); err != nil {
		fmt.Fprintln(os.Stderr, "coldstart:", err)
		os.Exit(1)
	}
}

func run(n int, root string) error {
	rie, redisAddr := os.Getenv("LAMBDASEC_LAMBDA_RIE"), os.Getenv("LAMBDASEC_REDIS_ADDR")
	if rie == "" || redisAddr == "" {
		return errors.New("set LAMBDASEC_LAMBDA_RIE and LAMBDASEC_REDIS_ADDR (scripts/test --serve prints them)")
	}
	dir, err := os.MkdirTemp("", "coldstart")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	root, err = filepath.Abs(root)
	if err != nil {
		return err
	}
	common := []string{"AWS_REGION=us-east-1", "AWS_LAMBDA_FUNCTION_NAME=coldstart", "AWS_LAMBDA_FUNCTION_MEMORY_SIZE=1024",
		"AWS_LAMBDA_FUNCTION_TIMEOUT=30", "AWS_XRAY_DAEMON_ADDRESS=127.0.0.1:2000"}
	hello := &function{name: "hello-world", pkg: "./coldstart/hello", env: common}
	example := &function{name: "trialbalance", pkg: filepath.Join(root, "examples", "trialbalance"),
		env: append(slices.Clone(common), "JWT_SECRET="+rand.Text()+rand.Text(),
			"REDIS_ADDR="+redisAddr, "REDIS_KEY_PREFIX=coldstart:", "LOG_LEVEL=debug")}
	for _, f := range []*function{hello, example} {
		if err := f.build(dir); err != nil {
			return err
		}
	}
	for i := range n {
		order := []*function{hello, example}
		if i%2 == 1 {
			order = []*function{example, hello}
		}
		for _, f := range order {
			d, _, err := f.start(rie, dir, nil)
			if err != nil {
				return fmt.Errorf("%s: %w", f.name, err)
			}
			f.times = append(f.times, d)
		}
	}
	h, e := median(hello.times), median(example.times)
	fmt.Printf("first response after a cold start, median of %d (%s):\n", n, "alternating, fresh emulator each")
	for _, f := range []*function{hello, example} {
		fmt.Printf("  %-13s %7.1f ms  (min %.1f, max %.1f)   binary %5.1f MB stripped\n", f.name, ms(median(f.times)),
			ms(slices.Min(f.times)), ms(slices.Max(f.times)), float64(f.size)/1e6)
	}
	fmt.Printf("  ratio         %7.2fx time, %.2fx size\n\n", float64(e)/float64(h), float64(example.size)/float64(hello.size))
	if err := toMain(n, hello, example); err != nil {
		return err
	}
	return breakdown(rie, dir, example, cmp.Or(n/2, 1))
}

// toMain times what a binary costs before its main function does any
// work: each is started outside Lambda with a setting that makes it exit
// at once (hello-world has no runtime API; the example gets an invalid
// ADDR), so the process start, the Go runtime's set-up and package
// initialisation are all that is measured. Alternating, n runs each.
func toMain(n int, hello, example *function) error {
	env := map[*function][]string{hello: {"PATH=" + os.Getenv("PATH")}, example: {"PATH=" + os.Getenv("PATH"), "ADDR=bad"}}
	times := map[*function][]time.Duration{}
	for i := range 2 * n {
		f := []*function{hello, example}[i%2]
		cmd := exec.Command(f.bootstrap)
		cmd.Env = env[f]
		start := time.Now()
		if err := cmd.Run(); err == nil {
			return fmt.Errorf("%s: ran outside Lambda without an error", f.name)
		}
		times[f] = append(times[f], time.Since(start))
	}
	h, e := median(times[hello]), median(times[example])
	fmt.Printf("process start to exit in main (runtime and package initialisation), median of %d:\n", n)
	fmt.Printf("  %-13s %7.1f ms\n  %-13s %7.1f ms\n  ratio         %7.2fx\n\n", hello.name, ms(h), example.name, ms(e), float64(e)/float64(h))
	return nil
}

// build compiles f as Lambda's provided.al2023 runs it.
func (f *function) build(dir string) error {
	f.bootstrap = filepath.Join(dir, f.name, "bootstrap")
	cmd := exec.Command("go", "build", "-tags", "lambda.norpc", "-trimpath", "-ldflags=-s -w", "-o", f.bootstrap, f.pkg)
	cmd.Env = append(os.Environ(), "GOOS=linux", "CGO_ENABLED=0")
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("build %s: %v\n%s", f.pkg, err, out)
	}
	st, err := os.Stat(f.bootstrap)
	if err != nil {
		return err
	}
	f.size = st.Size()
	return nil
}

// start runs f in a fresh emulator and times its first invocation. It
// returns the function's output too.
func (f *function) start(rie, dir string, extraEnv []string) (time.Duration, string, error) {
	addr, err := freeAddr()
	if err != nil {
		return 0, "", err
	}
	apiAddr, err := freeAddr()
	if err != nil {
		return 0, "", err
	}
	var out bytes.Buffer
	cmd := exec.Command(rie, "--runtime-interface-emulator-address", addr, "--runtime-api-address", apiAddr,
		"--log-level", "error", f.bootstrap)
	cmd.Dir = filepath.Dir(f.bootstrap)
	cmd.Env = append(append([]string{"PATH=" + os.Getenv("PATH"), "HOME=" + dir}, f.env...), extraEnv...)
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		return 0, "", err
	}
	defer func() { _ = cmd.Process.Kill(); _ = cmd.Wait() }()
	for i := 0; ; i++ {
		if c, err := net.Dial("tcp", addr); err == nil {
			c.Close()
			break
		}
		if i == 400 {
			return 0, out.String(), fmt.Errorf("the emulator did not listen on %s", addr)
		}
		time.Sleep(5 * time.Millisecond)
	}
	start := time.Now()
	res, err := http.Post("http://"+addr+"/2015-03-31/functions/function/invocations", "application/json", strings.NewReader(healthz))
	if err != nil {
		return 0, out.String(), err
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	d := time.Since(start)
	if res.StatusCode != http.StatusOK || !bytes.Contains(body, []byte(`"statusCode":200`)) {
		return 0, out.String(), fmt.Errorf("answer %d %s\n%s", res.StatusCode, body, out.String())
	}
	return d, out.String(), nil
}

var initLine = regexp.MustCompile(`init (\S+) @[0-9.]+ ms, ([0-9.]+) ms clock`)

// breakdown starts the example n more times with GODEBUG=inittrace=1 and
// splits its cold start into package initialisation (by module), the
// app's init as it logs it, the first request as its access log says, and
// the rest. Every figure is the median over the starts.
func breakdown(rie, dir string, f *function, n int) error {
	var starts []split
	for range n {
		total, out, err := f.start(rie, dir, []string{"GODEBUG=inittrace=1"})
		if err != nil {
			return err
		}
		starts = append(starts, parseSplit(total, out))
	}
	med := func(get func(split) float64) float64 {
		v := make([]float64, len(starts))
		for i, s := range starts {
			v[i] = get(s)
		}
		slices.Sort(v)
		return v[len(v)/2]
	}
	total, pkgTotal := med(func(s split) float64 { return s.total }), med(func(s split) float64 { return s.pkgTotal })
	appInit, request := med(func(s split) float64 { return s.appInit }), med(func(s split) float64 { return s.request })
	fmt.Printf("trialbalance cold start breakdown (medians of %d starts with GODEBUG=inittrace=1, %.1f ms to first response):\n", n, total)
	fmt.Printf("  package init (%d packages)   %6.1f ms; by module:", starts[0].pkgs, pkgTotal)
	byModule := map[string]float64{}
	for m := range starts[0].byModule {
		byModule[m] = med(func(s split) float64 { return s.byModule[m] })
	}
	mods := slices.SortedFunc(maps.Keys(byModule), func(a, b string) int { return cmp.Compare(byModule[b], byModule[a]) })
	for _, m := range mods[:min(8, len(mods))] {
		fmt.Printf(" %s %.1f,", m, byModule[m])
	}
	fmt.Println()
	fmt.Printf("  %-28s %6.1f ms\n", "app init (its log line)", appInit)
	fmt.Printf("  %-28s %6.1f ms\n", "first request (access log)", request)
	fmt.Printf("  the rest (process start, runtime, Lambda API) %.1f ms\n", total-pkgTotal-appInit-request)
	return nil
}

// split is one start of the example, taken apart; times in milliseconds.
type split struct {
	total, pkgTotal, appInit, request float64
	pkgs                              int
	byModule                          map[string]float64
}

// parseSplit reads the example's output: the Go runtime's inittrace lines,
// the app's "initialised" line and the first access log line.
func parseSplit(total time.Duration, out string) split {
	s := split{total: ms(total), byModule: map[string]float64{}}
	var first string
	sc := bufio.NewScanner(strings.NewReader(out))
	for sc.Scan() {
		if m := initLine.FindStringSubmatch(sc.Text()); m != nil {
			if m[1] == first {
				// The emulator, a Go program too, inherits GODEBUG:
				// its lines came first; the function's start here.
				s.pkgTotal, s.pkgs, s.byModule = 0, 0, map[string]float64{}
			}
			if s.pkgs == 0 {
				first = m[1]
			}
			v, _ := strconv.ParseFloat(m[2], 64)
			s.pkgTotal += v
			s.pkgs++
			s.byModule[module(m[1])] += v
			continue
		}
		var l map[string]any
		if json.Unmarshal(sc.Bytes(), &l) == nil {
			switch l["msg"] {
			case "initialised":
				s.appInit, _ = l["init_ms"].(float64)
			case "request":
				s.request, _ = l["duration_ms"].(float64)
			}
		}
	}
	return s
}

// module names the module a package belongs to, roughly: its first three
// path elements for a hosted module, "std" for the standard library.
func module(pkg string) string {
	parts := strings.Split(pkg, "/")
	if !strings.Contains(parts[0], ".") {
		return "std"
	}
	return strings.Join(parts[:min(3, len(parts))], "/")
}

func freeAddr() (string, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer l.Close()
	return l.Addr().String(), nil
}

func median(ds []time.Duration) time.Duration {
	s := slices.Clone(ds)
	slices.Sort(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
