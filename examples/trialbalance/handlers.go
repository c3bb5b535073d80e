package main

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/lambdasec/lambdasec/jwtauth"
	"github.com/lambdasec/lambdasec/password"
	"github.com/lambdasec/lambdasec/problem"
	"github.com/lambdasec/lambdasec/ratelimit"
	"github.com/lambdasec/lambdasec/secevent"
	"github.com/lambdasec/lambdasec/validate"
)

// credentials is the body of register and login. The password policy is
// checked by register only: a stored password that no longer meets a
// changed policy must still log in.
type credentials struct {
	Email string `json:"email" validate:"required,email,max=254"`
	// 1024 is password.Hasher's cap: longer inputs are refused before any
	// hashing work.
	Password string `json:"password" validate:"required,max=1024"`
}

// period is the query of the trial balance: both dates inclusive.
type period struct {
	From time.Time `query:"from" layout:"2006-01-02" validate:"required"`
	To   time.Time `query:"to" layout:"2006-01-02" validate:"required,gtefield=From"`
}

type tokenResponse struct {
	AccessToken      string `json:"access_token"`
	TokenType        string `json:"token_type"`
	ExpiresIn        int    `json:"expires_in"`
	RefreshToken     string `json:"refresh_token"`
	RefreshExpiresIn int    `json:"refresh_expires_in"`
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	body, err := json.Marshal(v)
	if err != nil {
		problem.Error(w, http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	// As on the problem documents: no browser may run the JSON as
	// something else.
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.Header().Set("Content-Length", strconv.Itoa(len(body)+1))
	w.WriteHeader(status)
	w.Write(append(body, '\n'))
}

// normalizeEmail makes the account key: addresses differing only in case
// are one account.
func normalizeEmail(s string) string { return strings.ToLower(s) }

func (a *app) healthz(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
}

// decodeCredentials decodes a register or login body. With checkPolicy it
// adds every unmet password rule to the other field problems, so the client
// learns them all in one 422. It answers the request itself and returns
// false when the body is refused.
func (a *app) decodeCredentials(w http.ResponseWriter, r *http.Request, checkPolicy bool) (credentials, bool) {
	var in credentials
	err := a.validate.DecodeJSON(r, &in)
	var fe *validate.FieldErrors
	// The validator reports its refusals as security events itself
	// (validate.Config.Events); only the password policy's are added here.
	if err != nil && !(errors.Is(err, validate.ErrInvalid) && errors.As(err, &fe)) {
		validate.WriteError(w, r, err)
		return in, false
	}
	var fields []problem.FieldError
	if fe != nil {
		for _, e := range fe.Errors {
			fields = append(fields, problem.FieldError{Field: e.Field, Rule: e.Rule, Param: e.Param, Message: e.Message})
		}
	}
	if checkPolicy && in.Password != "" {
		// The email's local part and the service name may not appear in
		// the password, disguised or not.
		err := a.policy.Check(in.Password, in.Email, serviceName)
		var pe *password.PolicyError
		switch {
		case errors.As(err, &pe):
			for _, v := range pe.Violations {
				fields = append(fields, problem.FieldError{Field: "password", Rule: string(v.Code), Message: v.Message})
			}
		case err != nil:
			a.log.ErrorContext(r.Context(), "password policy", "error", err)
			problem.Error(w, http.StatusInternalServerError)
			return in, false
		}
	}
	if len(fields) > 0 {
		// Counted by field: five unmet password rules are one field.
		named := map[string]bool{}
		for _, f := range fields {
			named[f.Field] = true
		}
		detail := strconv.Itoa(len(named)) + " fields failed validation"
		if len(named) == 1 {
			detail = "1 field failed validation"
		}
		if fe == nil { // only the password policy refused
			a.event(r, secevent.InputValidationFail, "", "password_policy")
		}
		problem.Write(w, problem.Problem{Status: http.StatusUnprocessableEntity, Detail: detail, Errors: fields})
		return in, false
	}
	return in, true
}

// register creates an account. It answers 201 {"email"} whether or not
// the email was free, after the same hashing work, so that registration
// cannot be used to find out which addresses have accounts (the login
// endpoint takes the same care). A taken address keeps its account and
// password unchanged. A real service would confirm by e-mail instead of
// answering differently: "confirm your new account" to a new address,
// "someone tried to register with your address" to a taken one.
func (a *app) register(w http.ResponseWriter, r *http.Request) {
	in, ok := a.decodeCredentials(w, r, true)
	if !ok {
		return
	}
	var hash string
	var err error
	if werr := a.withHashSlot(r.Context(), func() { hash, err = a.hasher.Hash(r.Context(), in.Password) }); werr != nil {
		a.hashBusy(w, r, werr)
		return
	}
	if err != nil {
		a.log.ErrorContext(r.Context(), "hash password", "error", err)
		problem.Error(w, http.StatusInternalServerError)
		return
	}
	email := normalizeEmail(in.Email)
	switch err := a.store.createUser(r.Context(), email, hash); {
	case errors.Is(err, errEmailTaken):
		a.log.InfoContext(r.Context(), "registration for an existing account; nothing changed")
		writeJSON(w, http.StatusCreated, map[string]string{"email": email})
	case err != nil:
		a.storeError(w, r, err)
	default:
		a.event(r, secevent.UserCreated, email, "")
		writeJSON(w, http.StatusCreated, map[string]string{"email": email})
	}
}

// login answers a wrong password and an unknown email alike, in the same
// time (an unknown email is verified against a dummy hash and counts as a
// failure too), and refuses an account with 10 failures in 15 minutes
// until the oldest of them is 15 minutes old, whatever the password.
func (a *app) login(w http.ResponseWriter, r *http.Request) {
	in, ok := a.decodeCredentials(w, r, false)
	if !ok {
		return
	}
	ctx := r.Context()
	email := normalizeEmail(in.Email)
	key := "account:" + email
	if !a.loginAllowed(w, r, email, key) {
		return
	}
	hash, ok := a.checkPassword(w, r, email, key, in.Password)
	if !ok {
		return
	}
	if err := a.logins.Reset(ctx, key); err != nil {
		a.log.WarnContext(ctx, "reset failed logins", "error", err)
	}
	a.rehash(ctx, email, in.Password, hash)
	tk, err := a.refresh.Login(ctx, jwtauth.Grant{Subject: email}, refreshClient)
	if err != nil {
		a.sessionError(w, r, err)
		return
	}
	a.event(r, secevent.AuthnLoginSuccess, email, "")
	a.event(r, secevent.AuthnTokenCreated, email, "")
	a.writeTokens(w, tk)
}

// loginAllowed asks the failed-login guard about the account and, when it
// refuses, answers 429 (too many failures) or 503 (its store is down:
// fail closed) and reports false.
func (a *app) loginAllowed(w http.ResponseWriter, r *http.Request, email, key string) bool {
	_, err := a.logins.Allow(r.Context(), key)
	if err == nil {
		return true
	}
	var le *ratelimit.LimitError
	if errors.As(err, &le) {
		a.event(r, secevent.AuthnLoginLock, email, "maxretries")
		le.Result.SetHeaders(w.Header())
		problem.Write(w, problem.Problem{Status: http.StatusTooManyRequests,
			Detail: "too many failed logins for this account; try again in " + retryAfter(le.Result.RetryAfter)})
		return false
	}
	ratelimit.WriteError(w, r, err) // the guard's store is down: 503 with Retry-After, fail closed
	return false
}

// checkPassword verifies the password against the account's stored hash,
// or a dummy hash for an unknown email, and returns the stored hash when
// it matches. Otherwise it answers (401 counted as a failure, or the
// store's or the hashing slot's error) and reports false.
func (a *app) checkPassword(w http.ResponseWriter, r *http.Request, email, key, pw string) (string, bool) {
	ctx := r.Context()
	// The dummy hash is made on the first login, not at start, where its
	// argon2id run would lengthen every cold start. Every login waits for
	// it, so the first one for an unknown email is not the only one that
	// takes longer.
	dummy := a.hasher.DummyHash()
	hash, found, err := a.store.passwordHash(ctx, email)
	if err != nil {
		a.storeError(w, r, err)
		return "", false
	}
	if !found {
		hash = dummy
	}
	var match bool
	if werr := a.withHashSlot(ctx, func() { match, err = a.hasher.Verify(ctx, pw, hash) }); werr != nil {
		a.hashBusy(w, r, werr)
		return "", false
	}
	if err != nil && !errors.Is(err, password.ErrPasswordTooLong) {
		// A stored hash that cannot be used: a corrupt or tampered row.
		a.log.ErrorContext(ctx, "verify password", "error", err)
	}
	if found && match {
		return hash, true
	}
	reason := "bad_password"
	if !found {
		reason = "unknown_account"
	}
	a.event(r, secevent.AuthnLoginFail, email, reason)
	if err := a.logins.Fail(ctx, key); err != nil {
		a.log.ErrorContext(ctx, "count failed login", "error", err)
	}
	problem.Write(w, problem.Problem{Status: http.StatusUnauthorized, Detail: "email or password is wrong"})
	return "", false
}

// rehash stores a new hash of the password when the stored one was made
// with older parameters. A failure only delays the upgrade to the next
// login.
func (a *app) rehash(ctx context.Context, email, pw, hash string) {
	if !a.hasher.NeedsRehash(hash) {
		return
	}
	var nh string
	var herr error
	werr := a.withHashSlot(ctx, func() { nh, herr = a.hasher.Hash(ctx, pw) })
	if werr == nil && herr == nil {
		if err := a.store.setPasswordHash(ctx, email, nh); err != nil {
			a.log.WarnContext(ctx, "store rehashed password", "error", err)
		}
	}
}

// retryAfter renders a wait in whole seconds, rounded up.
func retryAfter(d time.Duration) string {
	s := int((d + time.Second - 1) / time.Second)
	if s == 1 {
		return "1 second"
	}
	return strconv.Itoa(s) + " seconds"
}

// logout ends the session of the token that authenticated the request
// (its refresh-token family); other sessions of the account stay valid.
func (a *app) logout(w http.ResponseWriter, r *http.Request) {
	if err := a.endSession(r); err != nil {
		a.sessionError(w, r, err)
		return
	}
	user := ""
	if c, ok := jwtauth.FromContext(r.Context()); ok {
		user = c.Subject
	}
	a.event(r, secevent.AuthnTokenRevoked, user, "logout")
	w.WriteHeader(http.StatusNoContent)
}

func (a *app) trialBalance(w http.ResponseWriter, r *http.Request) {
	var p period
	if err := a.validate.DecodeQuery(r, &p); err != nil {
		validate.WriteError(w, r, err)
		return
	}
	totals, err := a.store.totals(r.Context(), p.From, p.To)
	if err != nil {
		a.storeError(w, r, err)
		return
	}
	// Account data for one user: no browser or proxy cache may keep it
	// (a shared machine's next user could read it from the cache).
	w.Header().Set("Cache-Control", "no-store")
	writeJSON(w, http.StatusOK, newTrialBalance(p.From, p.To, totals))
}

// hashBusy answers a request that gave up waiting for a hashing slot.
func (a *app) hashBusy(w http.ResponseWriter, r *http.Request, err error) {
	a.log.DebugContext(r.Context(), "gave up waiting to hash a password", "error", err)
	w.Header().Set("Retry-After", "1")
	problem.Error(w, http.StatusServiceUnavailable)
}

// storeError answers a failed store call: the cause goes to the log, the
// client learns only that the service cannot answer now.
func (a *app) storeError(w http.ResponseWriter, r *http.Request, err error) {
	a.log.LogAttrs(r.Context(), slog.LevelError, "store", slog.Any("error", err))
	w.Header().Set("Retry-After", "1")
	problem.Error(w, http.StatusServiceUnavailable)
}
