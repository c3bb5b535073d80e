package dbconn

import (
	"cmp"
	"fmt"
	"time"
)

// proxyIdleClientTimeout is RDS Proxy's default IdleClientTimeout; a
// client connection idle for longer is closed by the proxy.
const proxyIdleClientTimeout = 30 * time.Minute

// planLimit bounds PlanConfig's counts, far above any Lambda quota or
// max_connections, so their products cannot overflow.
const planLimit = 1 << 24

// PlanConfig describes a Lambda function and the database it uses, for
// [Plan].
type PlanConfig struct {
	// ReservedConcurrency is the function's reserved concurrency: the
	// most execution environments that can run at once. When several
	// functions use the same database, give their sum. Required; a
	// function without reserved concurrency can scale to the account's
	// whole concurrency limit, which no database sizing can rely on.
	ReservedConcurrency int
	// MaxConnections is the server's max_connections. Required.
	MaxConnections int
	// Reserve is how many connections stay free for administrators, the
	// rotation function, migrations, monitoring, other applications and
	// connections that recycled environments leave open until
	// wait_timeout. Zero means 10% of MaxConnections, at least 5.
	Reserve int
	// PerEnvironment is the connections each execution environment
	// opens. Zero means 1.
	PerEnvironment int
	// Proxy says the function reaches the database through RDS Proxy.
	Proxy bool
	// ProxyMaxConnectionsPercent is the proxy's MaxConnectionsPercent
	// setting. Zero means: compute the largest value that keeps Reserve
	// free and return it in [Sizing].
	ProxyMaxConnectionsPercent int
	// ConnMaxLifetime is copied to [Pool]. Zero means 5 minutes. With a
	// proxy it must stay below the proxy's 30 minute IdleClientTimeout.
	ConnMaxLifetime time.Duration
}

// Sizing is the result of [Plan].
type Sizing struct {
	// Pool is what to put in Config.Pool.
	Pool Pool
	// Connections is the most connections the functions can hold open at
	// once: ReservedConcurrency × PerEnvironment. Without a proxy they are
	// all server connections.
	Connections int
	// Budget is MaxConnections − Reserve, the server connections the
	// functions may use.
	Budget int
	// ProxyMaxConnectionsPercent, with a proxy, is the MaxConnectionsPercent
	// to configure: the given one, or the largest that fits Budget.
	ProxyMaxConnectionsPercent int
}

// PlanError explains why a plan does not fit. It wraps
// [ErrPlanDoesNotFit].
type PlanError struct {
	PlanConfig
	Connections int // connections the plan needs
	Budget      int // MaxConnections − Reserve
	// MaxReservedConcurrency is the largest reserved concurrency that fits
	// without a proxy (zero if even one environment does not fit).
	MaxReservedConcurrency int
	// MinMaxConnections is the smallest max_connections that fits without
	// a proxy.
	MinMaxConnections int
}

func (e *PlanError) Error() string {
	if e.Proxy {
		return fmt.Sprintf("%v: with RDS Proxy at MaxConnectionsPercent %d of max_connections %d the proxy may open %d connections, but max_connections %d − reserve %d leaves %d; set the proxy's MaxConnectionsPercent to at most %d",
			ErrPlanDoesNotFit, e.ProxyMaxConnectionsPercent, e.MaxConnections, e.Connections,
			e.MaxConnections, e.Reserve, e.Budget, e.Budget*100/e.MaxConnections)
	}
	capHint := fmt.Sprintf("cap the function's reserved concurrency at %d", e.MaxReservedConcurrency)
	if e.MaxReservedConcurrency == 0 {
		capHint = "lower PerEnvironment"
	}
	return fmt.Sprintf("%v: %d execution environments × %d connections = %d connections, but max_connections %d − reserve %d leaves %d; ways out: %s, put RDS Proxy in front (PlanConfig.Proxy) so the environments share a few server connections, or use an instance class with max_connections of at least %d (RDS for MySQL's default grows by about 85 per GiB of memory)",
		ErrPlanDoesNotFit, e.ReservedConcurrency, e.PerEnvironment, e.Connections,
		e.MaxConnections, e.Reserve, e.Budget, capHint, e.MinMaxConnections)
}

// Unwrap returns [ErrPlanDoesNotFit].
func (e *PlanError) Unwrap() error { return ErrPlanDoesNotFit }

// Plan sizes the per-environment pool for a Lambda function and checks
// that the database can hold every connection the function may open:
// without a proxy, ReservedConcurrency × PerEnvironment must fit in
// MaxConnections − Reserve; with RDS Proxy, the proxy's own share of
// MaxConnections must. A plan that does not fit returns a [*PlanError]
// that gives the arithmetic and the ways out. Invalid input returns
// [ErrInvalidConfig].
func Plan(pc PlanConfig) (Sizing, error) {
	pc, err := pc.withDefaults()
	if err != nil {
		return Sizing{}, err
	}
	budget := pc.MaxConnections - pc.Reserve
	if budget < 1 {
		return Sizing{}, invalidConfig("Reserve %d leaves no connection of max_connections %d", pc.Reserve, pc.MaxConnections)
	}
	if pc.Proxy && pc.ConnMaxLifetime >= proxyIdleClientTimeout {
		return Sizing{}, invalidConfig("ConnMaxLifetime %v must stay below RDS Proxy's IdleClientTimeout (%v)", pc.ConnMaxLifetime, proxyIdleClientTimeout)
	}
	s := Sizing{
		Pool:        Pool{PerEnvironment: pc.PerEnvironment, ConnMaxLifetime: pc.ConnMaxLifetime, Proxy: pc.Proxy},
		Connections: pc.ReservedConcurrency * pc.PerEnvironment,
		Budget:      budget,
	}
	perr := &PlanError{PlanConfig: pc, Connections: s.Connections, Budget: budget,
		MaxReservedConcurrency: budget / pc.PerEnvironment, MinMaxConnections: s.Connections + pc.Reserve}
	if pc.Proxy {
		fit := budget * 100 / pc.MaxConnections
		if fit < 1 {
			return Sizing{}, invalidConfig("Reserve %d leaves the proxy less than 1%% of max_connections %d", pc.Reserve, pc.MaxConnections)
		}
		if pc.ProxyMaxConnectionsPercent == 0 {
			s.ProxyMaxConnectionsPercent = fit
			return s, nil
		}
		if proxyConns := pc.MaxConnections * pc.ProxyMaxConnectionsPercent / 100; proxyConns > budget {
			perr.Connections = proxyConns
			return Sizing{}, perr
		}
		s.ProxyMaxConnectionsPercent = pc.ProxyMaxConnectionsPercent
		return s, nil
	}
	if s.Connections > budget {
		return Sizing{}, perr
	}
	return s, nil
}

// withDefaults returns pc with the documented defaults in place of zero
// fields, or an error wrapping [ErrInvalidConfig].
func (pc PlanConfig) withDefaults() (PlanConfig, error) {
	switch {
	case pc.ReservedConcurrency < 1:
		return pc, invalidConfig("ReservedConcurrency must be at least 1; set reserved concurrency on the function so the database can be sized for it")
	case pc.MaxConnections < 1:
		return pc, invalidConfig("MaxConnections must be at least 1")
	case pc.Reserve < 0 || pc.PerEnvironment < 0 || pc.ConnMaxLifetime < 0:
		return pc, invalidConfig("Reserve, PerEnvironment and ConnMaxLifetime must not be negative")
	case pc.ReservedConcurrency > planLimit || pc.MaxConnections > planLimit || pc.PerEnvironment > planLimit || pc.Reserve > planLimit:
		return pc, invalidConfig("values above %d are not plausible", planLimit)
	case pc.ProxyMaxConnectionsPercent < 0 || pc.ProxyMaxConnectionsPercent > 100:
		return pc, invalidConfig("ProxyMaxConnectionsPercent %d is not within 1..100", pc.ProxyMaxConnectionsPercent)
	case pc.ProxyMaxConnectionsPercent != 0 && !pc.Proxy:
		return pc, invalidConfig("ProxyMaxConnectionsPercent needs Proxy")
	}
	pc.Reserve = cmp.Or(pc.Reserve, max(5, pc.MaxConnections/10))
	pc.PerEnvironment = cmp.Or(pc.PerEnvironment, DefaultPerEnvironment)
	pc.ConnMaxLifetime = cmp.Or(pc.ConnMaxLifetime, DefaultConnMaxLifetime)
	return pc, nil
}

// invalidConfig is an error wrapping ErrInvalidConfig.
func invalidConfig(format string, a ...any) error {
	return fmt.Errorf("%w: "+format, append([]any{ErrInvalidConfig}, a...)...)
}
