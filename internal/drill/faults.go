package main

import (
	"context"
	"errors"
	"fmt"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

func redisCLI(ctx context.Context, port int, args ...string) (string, error) {
	ctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, "redis-cli", append([]string{"-p", strconv.Itoa(port)}, args...)...).Output()
	return string(out), err
}

func (d *drill) masters(ctx context.Context) []*redisNode {
	var m []*redisNode
	for _, n := range d.env.nodes {
		if out, err := redisCLI(ctx, n.port, "role"); err == nil && strings.HasPrefix(out, "master") {
			m = append(m, n)
		}
	}
	return m
}

// clusterOK waits up to limit for every node to report cluster_state:ok.
func (d *drill) clusterOK(ctx context.Context, limit time.Duration) error {
	deadline := time.Now().Add(limit)
	for time.Now().Before(deadline) && ctx.Err() == nil {
		ok := true
		for _, n := range d.env.nodes {
			if out, err := redisCLI(ctx, n.port, "cluster", "info"); err != nil || !strings.Contains(out, "cluster_state:ok") {
				ok = false
				break
			}
		}
		if ok {
			return nil
		}
		sleep(ctx, 200*time.Millisecond)
	}
	return fmt.Errorf("the Redis Cluster is not ok after %v", limit)
}

// restartNode starts a killed node again with its own directory, where
// nodes.conf makes it rejoin the cluster (as a replica of its successor).
func (d *drill) restartNode(n *redisNode) error {
	cmd := exec.Command(d.env.redisServer, "--port", strconv.Itoa(n.port), "--bind", "127.0.0.1",
		"--save", "", "--appendonly", "no", "--dir", n.dir, "--logfile", filepath.Join(n.dir, "redis.log"),
		"--daemonize", "no", "--cluster-enabled", "yes", "--cluster-config-file", "nodes.conf",
		"--cluster-node-timeout", "3000")
	if err := cmd.Start(); err != nil {
		return err
	}
	d.recordPid(cmd.Process.Pid)
	n.pid = cmd.Process.Pid
	go func() { _ = cmd.Wait() }()
	return nil
}

func killMaster(ctx context.Context, d *drill, _ *load) (time.Time, error) {
	m := d.masters(ctx)
	if len(m) == 0 {
		return time.Now(), errors.New("no Redis master found")
	}
	n := m[0]
	if err := syscall.Kill(n.pid, syscall.SIGKILL); err != nil {
		return time.Now(), err
	}
	sleep(ctx, d.set.fault)
	if err := d.restartNode(n); err != nil {
		return time.Now(), err
	}
	return time.Now(), d.clusterOK(ctx, 60*time.Second)
}

func stallRedis(ctx context.Context, d *drill, _ *load) (time.Time, error) {
	for _, n := range d.env.nodes {
		_ = syscall.Kill(n.pid, syscall.SIGSTOP)
	}
	// Stopped together, the nodes cannot see each other fail: this is a
	// stall of the whole store, not a failover. The stall outlasts the
	// service's Redis timeouts (2 s dial, 1 s read and write).
	sleep(ctx, min(d.set.fault, 10*time.Second))
	for _, n := range d.env.nodes {
		_ = syscall.Kill(n.pid, syscall.SIGCONT)
	}
	return time.Now(), d.clusterOK(ctx, 60*time.Second)
}

func throttleSecrets(ctx context.Context, d *drill, _ *load) (time.Time, error) {
	d.sm.FailNext(1<<30, "ThrottlingException")
	// A cold start in the middle of the fault: the service reads the
	// database secret when it starts.
	d.down.Store(true)
	d.stopService()
	if err := d.startService(ctx, false); err != nil {
		return time.Now(), err
	}
	sleep(ctx, d.set.fault/2)
	d.sm.FailNext(1<<30, "InternalServiceError")
	sleep(ctx, d.set.fault/2)
	d.sm.FailNext(0, "")
	ended := time.Now()
	if !d.serviceRunning() {
		if err := d.startService(ctx, false); err != nil {
			return ended, err
		}
	}
	err := d.waitHealthy(ctx, d.set.recovery)
	d.down.Store(false)
	return ended, err
}

// rootSQL runs statements as MariaDB's root over its socket; the
// statements go on stdin so no password shows in a command line.
func (d *drill) rootSQL(ctx context.Context, sql string) error {
	cmd := exec.CommandContext(ctx, "mariadb", "--no-defaults", "--socket="+d.env.mysqlSocket, "-uroot")
	cmd.Stdin = strings.NewReader(sql)
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("mariadb: %v: %.200s", err, out)
	}
	return nil
}

func rotatePassword(ctx context.Context, d *drill, _ *load) (time.Time, error) {
	pass := randHex(16)
	d.mu.Lock()
	d.secrets = append(d.secrets, pass)
	d.mu.Unlock()
	d.sm.PutPending(secretID, d.secretJSON(pass))
	sleep(ctx, d.set.fault/3)
	if err := d.rootSQL(ctx, fmt.Sprintf("ALTER USER '%s'@'%%' IDENTIFIED BY '%s';", d.env.mysqlUser, pass)); err != nil {
		return time.Now(), err
	}
	sleep(ctx, d.set.fault/3)
	if !d.sm.PromotePending(secretID) {
		return time.Now(), errors.New("no AWSPENDING version to promote")
	}
	d.mu.Lock()
	d.dbPass = pass
	d.mu.Unlock()
	sleep(ctx, d.set.fault/3)
	return time.Now(), nil
}

func restartMariaDB(ctx context.Context, d *drill, _ *load) (time.Time, error) {
	cmd := exec.CommandContext(ctx, "mariadb-admin", "--no-defaults", "--socket="+d.env.mysqlSocket, "-uroot", "shutdown")
	if out, err := cmd.CombinedOutput(); err != nil {
		return time.Now(), fmt.Errorf("mariadb-admin shutdown: %v: %.200s", err, out)
	}
	sleep(ctx, d.set.fault/2)
	if len(d.env.mysqlCmd) == 0 || d.env.mysqlCmd[0] == "" {
		return time.Now(), errors.New("DRILL_MYSQL_CMD is empty")
	}
	srv := exec.Command(d.env.mysqlCmd[0], d.env.mysqlCmd[1:]...)
	if err := srv.Start(); err != nil {
		return time.Now(), err
	}
	d.recordPid(srv.Process.Pid)
	go func() { _ = srv.Wait() }()
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) && ctx.Err() == nil {
		ping := exec.CommandContext(ctx, "mariadb-admin", "--no-defaults", "--socket="+d.env.mysqlSocket, "-uroot", "ping")
		if ping.Run() == nil {
			return time.Now(), nil
		}
		sleep(ctx, 200*time.Millisecond)
	}
	return time.Now(), errors.New("MariaDB did not come back in 60 s")
}

// loginStorm sends wrong passwords for one account from many client
// addresses at once; the failed-login guard must stop verifying after the
// limit, however the attempts are spread.
func loginStorm(ctx context.Context, d *drill, l *load) (time.Time, error) {
	victim := l.register(ctx, 0, -4)
	if victim == nil {
		return time.Now(), errors.New("could not register the storm's target")
	}
	var wg sync.WaitGroup
	sem := make(chan struct{}, 16)
	for i := 0; i < d.set.storm && ctx.Err() == nil; i++ {
		sem <- struct{}{}
		wg.Go(func() {
			defer func() { <-sem }()
			l.login(ctx, victim, true)
		})
	}
	wg.Wait()
	return time.Now(), nil
}
