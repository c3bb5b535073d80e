package main

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/lambdasec/lambdasec/internal/smfake"
)

// env is what scripts/drill started, read from DRILL_* variables.
type env struct {
	serviceBin, workdir, pidsFile, redisServer string
	nodes                                      []*redisNode
	mysqlAddr, mysqlDB, mysqlUser, mysqlPass   string
	adminUser, adminPass, caFile, mysqlSocket  string
	mysqlCmd                                   []string
}

// redisNode is one Redis Cluster node: its port, process and directory.
type redisNode struct {
	port int
	pid  int
	dir  string
}

func (n *redisNode) addr() string { return "127.0.0.1:" + strconv.Itoa(n.port) }

func loadEnv() (env, error) {
	e := env{
		serviceBin: os.Getenv("DRILL_SERVICE_BIN"), workdir: os.Getenv("DRILL_WORKDIR"),
		pidsFile: os.Getenv("DRILL_PIDS_FILE"), redisServer: os.Getenv("DRILL_REDIS_SERVER"),
		mysqlAddr: os.Getenv("DRILL_MYSQL_ADDR"), mysqlDB: os.Getenv("DRILL_MYSQL_DATABASE"),
		mysqlUser: os.Getenv("DRILL_MYSQL_USER"), mysqlPass: os.Getenv("DRILL_MYSQL_PASSWORD"),
		adminUser: os.Getenv("DRILL_MYSQL_ADMIN_USER"), adminPass: os.Getenv("DRILL_MYSQL_ADMIN_PASSWORD"),
		caFile: os.Getenv("DRILL_MYSQL_CA_FILE"), mysqlSocket: os.Getenv("DRILL_MYSQL_SOCKET"),
	}
	if e.serviceBin == "" || e.workdir == "" || e.mysqlAddr == "" {
		return e, errors.New("DRILL_* variables are missing: run scripts/drill")
	}
	for _, f := range strings.Split(os.Getenv("DRILL_CLUSTER_NODES"), ",") {
		parts := strings.SplitN(f, ":", 3)
		if len(parts) != 3 {
			return e, fmt.Errorf("DRILL_CLUSTER_NODES entry %q is not port:pid:dir", f)
		}
		port, err1 := strconv.Atoi(parts[0])
		pid, err2 := strconv.Atoi(parts[1])
		if err1 != nil || err2 != nil {
			return e, fmt.Errorf("DRILL_CLUSTER_NODES entry %q is not port:pid:dir", f)
		}
		e.nodes = append(e.nodes, &redisNode{port: port, pid: pid, dir: parts[2]})
	}
	e.mysqlCmd = strings.Split(strings.TrimSpace(os.Getenv("DRILL_MYSQL_CMD")), "\n")
	return e, nil
}

// secretID is the DB secret's name in the loopback Secrets Manager, and
// keyID the signing key's (JWT_SECRET_ID, package secretkeys format). The
// service reads both through one cache, as deployed: a Secrets Manager
// fault at a cold start then reaches the signing key too.
const (
	secretID = "drill/trialbalance/db"
	keyID    = "drill/trialbalance/jwt"
)

// drill holds the running pieces: the Secrets Manager, the service process
// and what the invariants need to know across scenarios.
type drill struct {
	env     env
	set     settings
	sm      *smfake.Server
	jwtKey  string // base64 of the HS256 key keyID holds
	addr    string // the service's listen address
	logPath string

	down atomic.Bool // the drill stopped the service on purpose

	mu      sync.Mutex
	svc     *exec.Cmd
	svcDone chan struct{}
	dbPass  string   // the password AWSCURRENT holds
	secrets []string // every secret handed out: must never be logged
}

func randHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

func newDrill(ctx context.Context, e env, s settings) (*drill, error) {
	key := make([]byte, 32)
	_, _ = rand.Read(key)
	d := &drill{env: e, set: s, sm: smfake.New(), jwtKey: base64.StdEncoding.EncodeToString(key),
		dbPass: e.mysqlPass, logPath: filepath.Join(e.workdir, "service.log")}
	d.secrets = append(d.secrets, d.jwtKey, hex.EncodeToString(key), e.mysqlPass, e.adminPass, smfake.SecretAccessKey)
	d.sm.Put(secretID, d.secretJSON(e.mysqlPass))
	keyJSON, _ := json.Marshal(map[string]string{"alg": "HS256", "secret": d.jwtKey})
	d.sm.Put(keyID, string(keyJSON))
	port, err := freePort()
	if err != nil {
		d.sm.Close()
		return nil, err
	}
	d.addr = "127.0.0.1:" + strconv.Itoa(port)
	if err := d.startService(ctx, true); err != nil {
		d.close()
		return nil, err
	}
	return d, nil
}

func (d *drill) secretJSON(pass string) string {
	host, port, _ := net.SplitHostPort(d.env.mysqlAddr)
	p, _ := strconv.Atoi(port)
	b, _ := json.Marshal(map[string]any{"engine": "mysql", "host": host, "port": p,
		"username": d.env.mysqlUser, "password": pass, "dbname": d.env.mysqlDB})
	return string(b)
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// startService starts the example service; with wait it waits up to 30 s
// for /healthz and fails when it does not answer.
func (d *drill) startService(ctx context.Context, wait bool) error {
	logf, err := os.OpenFile(d.logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return err
	}
	var addrs []string
	for _, n := range d.env.nodes {
		addrs = append(addrs, n.addr())
	}
	cmd := exec.Command(d.env.serviceBin)
	cmd.Env = append(os.Environ(),
		"ADDR="+d.addr, "JWT_SECRET_ID="+keyID,
		"REDIS_ADDR="+strings.Join(addrs, ","), "REDIS_CLUSTER=true",
		"DB_SECRET_ID="+secretID, "DB_TLS_CA_FILE="+d.env.caFile,
		"AWS_ENDPOINT_URL_SECRETS_MANAGER="+d.sm.URL(), "AWS_REGION=us-east-1",
		"AWS_ACCESS_KEY_ID="+smfake.AccessKeyID, "AWS_SECRET_ACCESS_KEY="+smfake.SecretAccessKey,
		"AWS_EC2_METADATA_DISABLED=true", "LOG_LEVEL=info")
	cmd.Stdout, cmd.Stderr = logf, logf
	if err := cmd.Start(); err != nil {
		logf.Close()
		return err
	}
	done := make(chan struct{})
	go func() { _ = cmd.Wait(); logf.Close(); close(done) }()
	d.mu.Lock()
	d.svc, d.svcDone = cmd, done
	d.mu.Unlock()
	if !wait {
		return nil
	}
	return d.waitHealthy(ctx, 30*time.Second)
}

func (d *drill) waitHealthy(ctx context.Context, limit time.Duration) error {
	deadline := time.Now().Add(limit)
	c := &http.Client{Timeout: time.Second}
	for time.Now().Before(deadline) && ctx.Err() == nil {
		resp, err := c.Get("http://" + d.addr + "/healthz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		if !d.serviceRunning() {
			return errors.New("the service exited; see " + d.logPath)
		}
		time.Sleep(100 * time.Millisecond)
	}
	return fmt.Errorf("the service did not answer /healthz in %v", limit)
}

func (d *drill) serviceRunning() bool {
	d.mu.Lock()
	done := d.svcDone
	d.mu.Unlock()
	select {
	case <-done:
		return false
	default:
		return true
	}
}

// stopService stops the service with SIGTERM, then SIGKILL after 5 s.
func (d *drill) stopService() {
	d.mu.Lock()
	cmd, done := d.svc, d.svcDone
	d.mu.Unlock()
	if cmd == nil {
		return
	}
	_ = cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		_ = cmd.Process.Kill()
		<-done
	}
}

// recordPid tells scripts/drill about a process the drill started, so its
// exit trap stops it too.
func (d *drill) recordPid(pid int) {
	f, err := os.OpenFile(d.env.pidsFile, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return
	}
	fmt.Fprintln(f, pid)
	f.Close()
}

func (d *drill) close() {
	d.stopService()
	d.sm.Close()
}
