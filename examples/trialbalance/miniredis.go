//go:build !lambda.norpc

package main

import (
	"fmt"
	"time"

	"github.com/alicebob/miniredis/v2"
)

// inProcessRedis is the Redis of the embedded defaults: miniredis, linked
// into every build but the one for Lambda (see miniredis_lambda.go).
type inProcessRedis = miniredis.Miniredis

// startInProcessRedis starts the in-process Redis, closed by a.close, and
// returns its address.
func (a *app) startInProcessRedis() (string, error) {
	m := miniredis.NewMiniRedis()
	if err := m.Start(); err != nil {
		return "", fmt.Errorf("in-process redis: %w", err)
	}
	// miniredis keeps keys until told that time passed: tell it every
	// second, so revocations and counters expire as in Redis.
	stop := make(chan struct{})
	go func() {
		t := time.NewTicker(time.Second)
		defer t.Stop()
		for {
			select {
			case <-t.C:
				m.FastForward(time.Second)
			case <-stop:
				return
			}
		}
	}()
	a.closers = append(a.closers, func() error { close(stop); m.Close(); return nil })
	a.mini = m
	a.log.Info("REDIS_ADDR is not set: using an in-process Redis")
	return m.Addr(), nil
}
