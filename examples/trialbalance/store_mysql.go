package main

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/go-sql-driver/mysql"
)

// sqlStore keeps users and the ledger in MySQL (RDS) or MariaDB. migrate
// creates the tables if they are missing and seeds the sample ledger once,
// even when many Lambda environments start at the same time.
type sqlStore struct {
	db *sql.DB
}

// schema is idempotent: every statement may run on every cold start.
var schema = []string{
	`CREATE TABLE IF NOT EXISTS tb_users (
		email VARCHAR(254) NOT NULL PRIMARY KEY,
		password_hash VARCHAR(255) NOT NULL,
		created_at DATETIME(6) NOT NULL
	) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin`,
	`CREATE TABLE IF NOT EXISTS tb_accounts (
		code VARCHAR(10) NOT NULL PRIMARY KEY,
		name VARCHAR(100) NOT NULL
	) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4`,
	`CREATE TABLE IF NOT EXISTS tb_entries (
		id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
		entry_date DATE NOT NULL,
		memo VARCHAR(200) NOT NULL,
		KEY tb_entries_date (entry_date)
	) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4`,
	`CREATE TABLE IF NOT EXISTS tb_postings (
		entry_id BIGINT NOT NULL,
		line_no INT NOT NULL,
		account_code VARCHAR(10) NOT NULL,
		debit_cents BIGINT NOT NULL DEFAULT 0,
		credit_cents BIGINT NOT NULL DEFAULT 0,
		PRIMARY KEY (entry_id, line_no),
		CONSTRAINT tb_postings_entry FOREIGN KEY (entry_id) REFERENCES tb_entries (id),
		CONSTRAINT tb_postings_account FOREIGN KEY (account_code) REFERENCES tb_accounts (code),
		CHECK (debit_cents >= 0 AND credit_cents >= 0 AND (debit_cents = 0) <> (credit_cents = 0))
	) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4`,
	`CREATE TABLE IF NOT EXISTS tb_seeds (
		name VARCHAR(64) NOT NULL PRIMARY KEY,
		applied_at DATETIME(6) NOT NULL
	) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4`,
}

const sampleSeed = "sample-ledger-2026q1"

func newSQLStore(ctx context.Context, db *sql.DB) (*sqlStore, error) {
	s := &sqlStore{db: db}
	if err := s.migrate(ctx); err != nil {
		return nil, err
	}
	return s, nil
}

// migrate creates the tables and seeds the sample ledger. The seed marker
// row and the ledger are written in one transaction: a second environment
// starting at the same time blocks on the marker's primary key until the
// first commits, then finds it and seeds nothing.
func (s *sqlStore) migrate(ctx context.Context) error {
	for _, stmt := range schema {
		if _, err := s.db.ExecContext(ctx, stmt); err != nil {
			return fmt.Errorf("create tables: %w", err)
		}
	}
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("seed: %w", err)
	}
	defer tx.Rollback()
	res, err := tx.ExecContext(ctx, `INSERT IGNORE INTO tb_seeds (name, applied_at) VALUES (?, ?)`,
		sampleSeed, time.Now().UTC())
	if err != nil {
		return fmt.Errorf("seed: %w", err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return fmt.Errorf("seed: %w", err)
	}
	if n == 0 {
		return nil // seeded before; the deferred Rollback ends the transaction
	}
	for _, a := range sampleAccounts() {
		if _, err := tx.ExecContext(ctx, `INSERT INTO tb_accounts (code, name) VALUES (?, ?)`, a.Code, a.Name); err != nil {
			return fmt.Errorf("seed accounts: %w", err)
		}
	}
	for _, e := range sampleEntries() {
		res, err := tx.ExecContext(ctx, `INSERT INTO tb_entries (entry_date, memo) VALUES (?, ?)`, e.Date, e.Memo)
		if err != nil {
			return fmt.Errorf("seed entries: %w", err)
		}
		id, err := res.LastInsertId()
		if err != nil {
			return fmt.Errorf("seed entries: %w", err)
		}
		for i, p := range e.Postings {
			if _, err := tx.ExecContext(ctx,
				`INSERT INTO tb_postings (entry_id, line_no, account_code, debit_cents, credit_cents) VALUES (?, ?, ?, ?, ?)`,
				id, i+1, p.Account, int64(p.Debit), int64(p.Credit)); err != nil {
				return fmt.Errorf("seed postings: %w", err)
			}
		}
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("seed: %w", err)
	}
	return nil
}

// mysqlDuplicateEntry is ER_DUP_ENTRY.
const mysqlDuplicateEntry = 1062

func (s *sqlStore) createUser(ctx context.Context, email, hash string) error {
	_, err := s.db.ExecContext(ctx, `INSERT INTO tb_users (email, password_hash, created_at) VALUES (?, ?, ?)`,
		email, hash, time.Now().UTC())
	var me *mysql.MySQLError
	if errors.As(err, &me) && me.Number == mysqlDuplicateEntry {
		return errEmailTaken
	}
	return err
}

func (s *sqlStore) passwordHash(ctx context.Context, email string) (string, bool, error) {
	var h string
	err := s.db.QueryRowContext(ctx, `SELECT password_hash FROM tb_users WHERE email = ?`, email).Scan(&h)
	if errors.Is(err, sql.ErrNoRows) {
		return "", false, nil
	}
	return h, err == nil, err
}

func (s *sqlStore) setPasswordHash(ctx context.Context, email, hash string) error {
	_, err := s.db.ExecContext(ctx, `UPDATE tb_users SET password_hash = ? WHERE email = ?`, hash, email)
	return err
}

func (s *sqlStore) totals(ctx context.Context, from, to time.Time) ([]accountTotals, error) {
	rows, err := s.db.QueryContext(ctx, `
		SELECT a.code, a.name, SUM(p.debit_cents), SUM(p.credit_cents)
		FROM tb_postings p
		JOIN tb_entries e ON e.id = p.entry_id
		JOIN tb_accounts a ON a.code = p.account_code
		WHERE e.entry_date BETWEEN ? AND ?
		GROUP BY a.code, a.name
		ORDER BY a.code`,
		from.Format(time.DateOnly), to.Format(time.DateOnly))
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []accountTotals
	for rows.Next() {
		var t accountTotals
		var d, c int64
		if err := rows.Scan(&t.Code, &t.Name, &d, &c); err != nil {
			return nil, err
		}
		t.Debits, t.Credits = cents(d), cents(c)
		out = append(out, t)
	}
	return out, rows.Err()
}

func (s *sqlStore) ping(ctx context.Context) error { return s.db.PingContext(ctx) }
func (s *sqlStore) close() error                   { return s.db.Close() }
