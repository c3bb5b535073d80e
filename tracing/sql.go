package tracing

import (
	"context"
	"database/sql/driver"
	"errors"
	"io"
	"reflect"
	"strings"
)

// DB describes a database for the subsegments [Connector] records. Every
// field is optional; none may hold a password.
type DB struct {
	// Name is the database (schema) name.
	Name string
	// Host is the server's host or host:port.
	Host string
	// User is the login name.
	User string
	// Type is the database type, for example "MySQL". Empty means one
	// derived from the driver's package ("mysql" for go-sql-driver/mysql).
	Type string
	// Version is the server version, if known. It is never queried: the
	// X-Ray SDK for Go runs an extra query on every new connection to find it.
	Version string
}

// Connector returns c wrapped so that queries, statements, transactions
// and new connections made with a context carrying a sampled trace become
// subsegments in the "remote" namespace, named "name@host" (or after the
// database type), with X-Ray's sql block: url (host/name, never
// credentials), database_type, database_version, driver_version, user and
// sanitized_query, the statement with its string and number literals
// replaced by "?" and its comments removed (bind arguments are never
// recorded; a statement is cut short at a literal holding a backslash,
// and at anything unterminated). Errors are faults, with everything
// between the first and the last quote of their messages replaced by "?"
// (servers quote offending values verbatim, so a value may hold quotes
// itself), except driver.ErrBadConn, which database/sql retries.
//
// It works with any driver.Connector, including dbconn's, and adds no
// query of its own:
//
//	db := sql.OpenDB(tracing.Connector(connector, tracing.DB{Name: "app", Host: host, User: "app"}))
func Connector(c driver.Connector, db DB) driver.Connector {
	if tc, ok := c.(*connector); ok {
		return tc
	}
	info := &dbInfo{DB: db}
	drv := reflect.TypeOf(c.Driver())
	for drv != nil && drv.Kind() == reflect.Pointer {
		drv = drv.Elem()
	}
	if drv != nil {
		info.driver = drv.PkgPath()
	}
	if info.Type == "" {
		info.Type = info.driver[strings.LastIndexByte(info.driver, '/')+1:]
	}
	switch {
	case db.Name != "" && db.Host != "":
		info.name = db.Name + "@" + db.Host
	case db.Name != "":
		info.name = db.Name
	case db.Host != "":
		info.name = db.Host
	default:
		info.name = info.Type
	}
	info.name = sanitizeName(info.name)
	if db.Host != "" {
		info.url = db.Host + "/" + db.Name
	}
	return &connector{Connector: c, info: info}
}

type dbInfo struct {
	DB
	name, url, driver string
}

// begin opens a subsegment for one database call, or returns nil.
func (i *dbInfo) begin(ctx context.Context, query string) *seg {
	if _, seg := segment(ctx); seg == nil {
		return nil
	}
	_, sub := beginSub(ctx, i.name)
	if sub == nil {
		return nil
	}
	sub.mu.Lock()
	sub.doc.Namespace = "remote"
	sub.doc.SQL = sqlBlock(map[string]any{
		"url": i.url, "database_type": i.Type, "database_version": i.Version,
		"driver_version": i.driver, "user": i.User, "sanitized_query": sanitizeQuery(query),
	})
	sub.mu.Unlock()
	return sub
}

// end closes sub with err; ErrSkip and ErrBadConn are not failures of the
// database: database/sql retries the call another way.
func end(sub *seg, err error) {
	if sub == nil {
		return
	}
	if err != nil && !errors.Is(err, driver.ErrSkip) && !errors.Is(err, driver.ErrBadConn) {
		// The server quotes offending values in its messages.
		closeSeg(sub, err)
		return
	}
	sub.close()
}

type connector struct {
	driver.Connector
	info *dbInfo
}

func (c *connector) Connect(ctx context.Context) (driver.Conn, error) {
	sub := c.info.begin(ctx, "")
	cn, err := c.Connector.Connect(ctx)
	if sub != nil {
		sub.mu.Lock()
		sub.doc.Metadata = map[string]map[string]any{"sql": {"operation": "connect"}}
		sub.mu.Unlock()
		end(sub, err)
	}
	if err != nil {
		return nil, err
	}
	return &conn{Conn: cn, info: c.info}, nil
}

// Close closes the wrapped connector if it has a Close method, as
// sql.DB.Close expects.
func (c *connector) Close() error {
	if cl, ok := c.Connector.(io.Closer); ok {
		return cl.Close()
	}
	return nil
}

// conn forwards every optional interface database/sql looks for. Where the
// wrapped connection lacks one, it answers the way database/sql would
// behave without it (ErrSkip, nil, true), so wrapping changes nothing.
type conn struct {
	driver.Conn
	info *dbInfo
}

var (
	_ driver.ConnPrepareContext = (*conn)(nil)
	_ driver.ConnBeginTx        = (*conn)(nil)
	_ driver.ExecerContext      = (*conn)(nil)
	_ driver.QueryerContext     = (*conn)(nil)
	_ driver.Pinger             = (*conn)(nil)
	_ driver.SessionResetter    = (*conn)(nil)
	_ driver.Validator          = (*conn)(nil)
	_ driver.NamedValueChecker  = (*conn)(nil)
)

func (c *conn) PrepareContext(ctx context.Context, query string) (driver.Stmt, error) {
	var st driver.Stmt
	var err error
	if p, ok := c.Conn.(driver.ConnPrepareContext); ok {
		st, err = p.PrepareContext(ctx, query)
	} else {
		if err = ctx.Err(); err == nil {
			st, err = c.Conn.Prepare(query)
		}
	}
	if err != nil {
		return nil, err
	}
	s := &stmt{Stmt: st, info: c.info, query: query}
	//lint:ignore SA1019 database/sql still consults it; hiding it would change conversions.
	if _, ok := st.(driver.ColumnConverter); ok {
		return &stmtCC{s}, nil
	}
	return s, nil
}

func (c *conn) Prepare(query string) (driver.Stmt, error) {
	return c.PrepareContext(context.Background(), query)
}

func (c *conn) BeginTx(ctx context.Context, opts driver.TxOptions) (driver.Tx, error) {
	sub := c.info.begin(ctx, "BEGIN")
	var tx driver.Tx
	var err error
	if b, ok := c.Conn.(driver.ConnBeginTx); ok {
		tx, err = b.BeginTx(ctx, opts)
	} else if opts.Isolation != 0 || opts.ReadOnly {
		err = errors.New("tracing: driver does not support transaction options")
	} else {
		//lint:ignore SA1019 the fallback database/sql itself uses.
		tx, err = c.Conn.Begin()
	}
	end(sub, err)
	if err != nil {
		return nil, err
	}
	return &txn{Tx: tx, ctx: ctx, info: c.info}, nil
}

func (c *conn) ExecContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Result, error) {
	e, ok := c.Conn.(driver.ExecerContext)
	if !ok {
		return nil, driver.ErrSkip
	}
	sub := c.info.begin(ctx, query)
	r, err := e.ExecContext(ctx, query, args)
	end(sub, err)
	return r, err
}

func (c *conn) QueryContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Rows, error) {
	q, ok := c.Conn.(driver.QueryerContext)
	if !ok {
		return nil, driver.ErrSkip
	}
	sub := c.info.begin(ctx, query)
	r, err := q.QueryContext(ctx, query, args)
	end(sub, err)
	return r, err
}

func (c *conn) Ping(ctx context.Context) error {
	if p, ok := c.Conn.(driver.Pinger); ok {
		return p.Ping(ctx)
	}
	return nil
}

func (c *conn) ResetSession(ctx context.Context) error {
	if r, ok := c.Conn.(driver.SessionResetter); ok {
		return r.ResetSession(ctx)
	}
	return nil
}

func (c *conn) IsValid() bool {
	if v, ok := c.Conn.(driver.Validator); ok {
		return v.IsValid()
	}
	return true
}

func (c *conn) CheckNamedValue(nv *driver.NamedValue) error {
	if n, ok := c.Conn.(driver.NamedValueChecker); ok {
		return n.CheckNamedValue(nv)
	}
	return driver.ErrSkip
}

type txn struct {
	driver.Tx
	ctx  context.Context
	info *dbInfo
}

func (t *txn) Commit() error {
	sub := t.info.begin(t.ctx, "COMMIT")
	err := t.Tx.Commit()
	end(sub, err)
	return err
}

func (t *txn) Rollback() error {
	sub := t.info.begin(t.ctx, "ROLLBACK")
	err := t.Tx.Rollback()
	end(sub, err)
	return err
}

type stmt struct {
	driver.Stmt
	info  *dbInfo
	query string
}

var (
	_ driver.StmtExecContext   = (*stmt)(nil)
	_ driver.StmtQueryContext  = (*stmt)(nil)
	_ driver.NamedValueChecker = (*stmt)(nil)
)

func (s *stmt) ExecContext(ctx context.Context, args []driver.NamedValue) (driver.Result, error) {
	sub := s.info.begin(ctx, s.query)
	prepared(sub)
	var r driver.Result
	var err error
	if e, ok := s.Stmt.(driver.StmtExecContext); ok {
		r, err = e.ExecContext(ctx, args)
	} else if vals, verr := values(args); verr != nil {
		err = verr
	} else {
		//lint:ignore SA1019 the fallback database/sql itself uses.
		r, err = s.Stmt.Exec(vals)
	}
	end(sub, err)
	return r, err
}

func (s *stmt) QueryContext(ctx context.Context, args []driver.NamedValue) (driver.Rows, error) {
	sub := s.info.begin(ctx, s.query)
	prepared(sub)
	var r driver.Rows
	var err error
	if q, ok := s.Stmt.(driver.StmtQueryContext); ok {
		r, err = q.QueryContext(ctx, args)
	} else if vals, verr := values(args); verr != nil {
		err = verr
	} else {
		//lint:ignore SA1019 the fallback database/sql itself uses.
		r, err = s.Stmt.Query(vals)
	}
	end(sub, err)
	return r, err
}

func (s *stmt) CheckNamedValue(nv *driver.NamedValue) error {
	if n, ok := s.Stmt.(driver.NamedValueChecker); ok {
		return n.CheckNamedValue(nv)
	}
	return driver.ErrSkip
}

// prepared marks sub as the execution of a prepared statement.
func prepared(sub *seg) {
	if sub != nil {
		sub.mu.Lock()
		sub.doc.SQL["preparation"] = "statement"
		sub.mu.Unlock()
	}
}

// stmtCC is a stmt whose driver statement converts columns itself.
type stmtCC struct{ *stmt }

func (s stmtCC) ColumnConverter(idx int) driver.ValueConverter {
	//lint:ignore SA1019 forwarded for drivers that still implement it.
	return s.Stmt.(driver.ColumnConverter).ColumnConverter(idx)
}

func values(args []driver.NamedValue) ([]driver.Value, error) {
	v := make([]driver.Value, len(args))
	for i, a := range args {
		if a.Name != "" {
			return nil, errors.New("tracing: driver does not support named parameters")
		}
		v[i] = a.Value
	}
	return v, nil
}

// sqlBlock drops the empty fields of an sql block.
func sqlBlock(m map[string]any) map[string]any {
	for k, v := range m {
		if v == "" {
			delete(m, k)
		}
	}
	return m
}
