package lambdahttp

import (
	"cmp"
	"context"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"

	"github.com/aws/aws-lambda-go/lambda"
)

// Run serves h as the environment asks. Inside Lambda (when
// AWS_LAMBDA_RUNTIME_API is set) it serves invocations with a [Handler]
// and never returns: aws-lambda-go exits the process if the runtime API
// fails. Config.OnShutdown then runs on SIGTERM, which Lambda sends before
// it recycles the environment.
//
// Elsewhere it listens on Config.Addr (or ADDR, or [DefaultAddr]) until
// ctx ends or the process gets SIGINT or SIGTERM, shuts the server down
// gracefully within Config.ShutdownTimeout, runs Config.OnShutdown and
// returns nil, or the error that stopped the server.
//
// Errors wrap [ErrInvalidConfig] for a Config that [New] refuses.
func Run(ctx context.Context, h http.Handler, cfg Config) error {
	fn, err := New(h, cfg)
	if err != nil {
		return err
	}
	if os.Getenv("AWS_LAMBDA_RUNTIME_API") != "" {
		lambda.StartWithOptions(fn, lambda.WithContext(ctx), lambda.WithEnableSIGTERM(fn.shutdown))
		return nil // not reached
	}
	ctx, stop := signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM)
	defer stop()
	err = fn.listen(ctx)
	fn.shutdown()
	return err
}

// Start is Run for a main function: it serves h until the process is
// asked to stop and exits with status 1, after logging the error, if Run
// fails.
func Start(h http.Handler, cfg Config) {
	if err := Run(context.Background(), h, cfg); err != nil {
		cmp.Or(cfg.Logger, slog.Default()).Error("lambdahttp: " + err.Error())
		os.Exit(1)
	}
}

// listen runs the local server until ctx ends.
func (h *Handler) listen(ctx context.Context) error {
	addr := cmp.Or(h.cfg.Addr, os.Getenv("ADDR"), DefaultAddr)
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	log := h.cfg.Logger
	srv := &http.Server{
		Handler:           h.next,
		ReadHeaderTimeout: h.cfg.ReadHeaderTimeout,
		ReadTimeout:       h.cfg.ReadTimeout,
		WriteTimeout:      h.cfg.WriteTimeout,
		IdleTimeout:       h.cfg.IdleTimeout,
		MaxHeaderBytes:    defaultMaxHeaderBytes,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
		BaseContext:       func(net.Listener) context.Context { return context.WithoutCancel(ctx) },
	}
	log.Info("listening", "addr", ln.Addr().String(), "url", "http://"+ln.Addr().String())
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	shutdownCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), h.cfg.ShutdownTimeout)
	defer cancel()
	err = srv.Shutdown(shutdownCtx)
	if errors.Is(<-errc, http.ErrServerClosed) {
		log.Info("stopped")
	}
	return err
}

// shutdown runs Config.OnShutdown in order and logs their errors.
func (h *Handler) shutdown() {
	for _, f := range h.cfg.OnShutdown {
		if err := f(); err != nil {
			h.cfg.Logger.Error("lambdahttp: shutdown hook failed", "error", err.Error())
		}
	}
}
