package main

import (
	"context"
	"log/slog"

	"github.com/lambdasec/lambdasec/lambdahttp"
)

// serve runs the service until ctx ends: inside Lambda it answers API
// Gateway (REST and HTTP APIs), ALB and Function URL events, elsewhere it
// listens on cfg.addr. Either way a.close runs on shutdown.
func serve(ctx context.Context, a *app, cfg config, log *slog.Logger) error {
	return lambdahttp.Run(ctx, a.handler(), lambdahttp.Config{Addr: cfg.addr, Logger: log, OnShutdown: []func() error{a.close}})
}
