package main

import (
	"context"
	"encoding/json"
	"net/http"
	"time"
)

// Refresh tokens rotate on every exchange; a used one presented again
// revokes its family (the session), unless it is the token just exchanged
// and the service's grace period has not ended: then the answer is the
// very pair the exchange gave. The drill counts that answer as allowed
// only when it is the same pair; anything else a used or revoked refresh
// token gets, apart from 401 and 503, breaks revoked-token-rejected.

// grace is the example's refresh grace period (refreshGrace), and
// pastGrace how long the drill waits before it replays the token just
// exchanged as a theft: the grace plus a margin for the answer's travel.
const (
	grace     = 10 * time.Second
	pastGrace = grace + time.Second
)

// session is one login's current pair.
type session struct {
	access, refresh string
	at              time.Time // when the pair arrived
}

// lateReplay is a used refresh token to present again once its grace
// period has ended, and the pair that replaced it: after the replay's 401
// the pair must be refused too.
type lateReplay struct {
	used, cur session
}

// refreshCounts are the session outcomes of a scenario.
type refreshCounts struct {
	Exchanges      int `json:"exchanges"`       // 200 to a current refresh token
	GraceSamePair  int `json:"grace_same_pair"` // retry within the grace: the same pair again (allowed)
	GraceRefused   int `json:"grace_refused"`   // retry within the grace refused (stricter; allowed)
	ReuseRefused   int `json:"reuse_refused"`   // replays of a token older than the one just exchanged answered 401
	LateRefused    int `json:"late_refused"`    // replays of the token just exchanged, past the grace, answered 401
	FamilyChecks   int `json:"family_checks"`   // tokens of revoked families presented afterwards
	Unresolved     int `json:"unresolved"`      // replays that never got past 503: family not checked
	CurrentRefused int `json:"current_refused"` // a current refresh token refused (lost session; not a breach)
	Swept          int `json:"swept"`           // revoked tokens presented again once the load stopped
}

func (l *load) count(f func(c *refreshCounts)) {
	l.mu.Lock()
	f(&l.refresh)
	l.mu.Unlock()
}

// parseTokens reads a login or refresh answer and remembers both tokens
// as values no log line may hold.
func (l *load) parseTokens(data []byte) session {
	var tr struct {
		AccessToken  string `json:"access_token"`
		RefreshToken string `json:"refresh_token"`
	}
	_ = json.Unmarshal(data, &tr)
	l.mu.Lock()
	l.tokens = append(l.tokens, tr.AccessToken)
	if tr.RefreshToken != "" {
		l.refreshTokens = append(l.refreshTokens, tr.RefreshToken)
	}
	l.mu.Unlock()
	return session{access: tr.AccessToken, refresh: tr.RefreshToken, at: time.Now()}
}

// exchange spends a refresh token; a 200 returns the next pair.
func (l *load) exchange(ctx context.Context, refresh string) (int, session) {
	st, data := l.do(ctx, "refresh", "POST", "/v1/auth/refresh", "", map[string]string{"refresh_token": refresh})
	if st != http.StatusOK {
		return st, session{}
	}
	return st, l.parseTokens(data)
}

// rotate exchanges s's refresh token for the next pair. A 503 leaves the
// exchange in doubt (the store may have rotated and the answer been
// lost), which is what the grace period is for: the same token is
// presented again and either rotates now or returns the pair already
// issued. ok is false when no new pair came.
func (l *load) rotate(ctx context.Context, s session) (session, bool) {
	for try := 0; try < 3 && ctx.Err() == nil; try++ {
		st, next := l.exchange(ctx, s.refresh)
		switch st {
		case http.StatusOK:
			l.count(func(c *refreshCounts) { c.Exchanges++ })
			return next, true
		case http.StatusUnauthorized:
			l.count(func(c *refreshCounts) { c.CurrentRefused++ })
			return session{}, false
		}
		if time.Since(s.at) > grace/2 {
			break // too close to the end of the grace for a retry
		}
		l.pause(ctx)
	}
	return session{}, false
}

// graceRetry presents the token just exchanged (prev) again at once: the
// answer must be 401, 503 or the very pair the exchange gave (next).
func (l *load) graceRetry(ctx context.Context, prev, next session) {
	st, again := l.exchange(ctx, prev.refresh)
	switch {
	case st == http.StatusOK && again.access == next.access && again.refresh == next.refresh:
		l.count(func(c *refreshCounts) { c.GraceSamePair++ })
	case st == http.StatusOK:
		l.violate("revoked-token-rejected", "a refresh token retried %v after its exchange got a new pair, not the one already issued",
			time.Since(next.at).Round(time.Millisecond))
	case st == http.StatusUnauthorized:
		l.count(func(c *refreshCounts) { c.GraceRefused++ })
	}
}

// replayRefresh presents a used or revoked refresh token: a 200 breaks
// revoked-token-rejected. A 503 is presented again a few times, since
// until a 401 nobody knows whether the family was revoked. It reports
// whether the service answered 401.
func (l *load) replayRefresh(ctx context.Context, token, what string) bool {
	for try := 0; try < 4 && ctx.Err() == nil; try++ {
		st, _ := l.exchange(ctx, token)
		switch st {
		case http.StatusOK:
			l.violate("revoked-token-rejected", "%s was accepted by POST /v1/auth/refresh", what)
			return false
		case http.StatusUnauthorized:
			return true
		}
		l.pause(ctx)
	}
	return false
}

// replayAccess presents an access token that must be refused.
func (l *load) replayAccess(ctx context.Context, token, what string) {
	if st, _ := l.do(ctx, "trial-balance", "GET", tbPath, token, nil); st == http.StatusOK {
		l.violate("revoked-token-rejected", "%s was accepted by GET /v1/trial-balance", what)
	}
}

// reused presents a used refresh token as a thief would; after its 401
// every token of the family (fam: the current pair first) must be
// refused.
func (l *load) reused(ctx context.Context, used, what string, late bool, fam ...session) {
	if !l.replayRefresh(ctx, used, what) {
		if ctx.Err() == nil {
			l.count(func(c *refreshCounts) { c.Unresolved++ })
		}
		return
	}
	l.count(func(c *refreshCounts) {
		if late {
			c.LateRefused++
		} else {
			c.ReuseRefused++
		}
	})
	l.familyRevoked(ctx, "after a reuse", fam...)
}

// familyRevoked records the tokens of a revoked session (fam: the
// current pair first, then older ones) and presents each again. The
// access tokens go first: a refresh token of a revoked family presented
// to the service revokes the family's access tokens again, which would
// hide a revocation that the reuse or the logout left incomplete.
func (l *load) familyRevoked(ctx context.Context, why string, fam ...session) {
	l.mu.Lock()
	for _, s := range fam {
		l.revoked = append(l.revoked, s.access)
		l.revokedRefresh = append(l.revokedRefresh, s.refresh)
	}
	l.refresh.FamilyChecks += 2 * len(fam)
	l.mu.Unlock()
	which := func(i int) string {
		if i == 0 {
			return "the current"
		}
		return "an earlier"
	}
	for i, s := range fam {
		l.replayAccess(ctx, s.access, which(i)+" access token of a family revoked "+why)
	}
	for i, s := range fam {
		l.replayRefresh(ctx, s.refresh, which(i)+" refresh token of a family revoked "+why)
	}
}

// dueReplays presents the late replays whose grace period has ended and
// returns the others.
func (l *load) dueReplays(ctx context.Context, pending []lateReplay) []lateReplay {
	var left []lateReplay
	for _, p := range pending {
		if ctx.Err() != nil || time.Since(p.cur.at) < pastGrace {
			left = append(left, p)
			continue
		}
		l.lateReplay(ctx, p)
	}
	return left
}

func (l *load) lateReplay(ctx context.Context, p lateReplay) {
	l.reused(ctx, p.used.refresh, "a refresh token presented again after its grace period", true, p.cur, p.used)
}

// keepReplays hands a stopped worker's late replays to drainReplays.
func (l *load) keepReplays(pending []lateReplay) {
	l.mu.Lock()
	l.pending = append(l.pending, pending...)
	l.mu.Unlock()
}

// drainReplays presents, once the load has stopped, the late replays the
// workers left, each when its grace period has ended: at most pastGrace
// after the load stopped.
func (l *load) drainReplays(ctx context.Context) {
	l.mu.Lock()
	pending := l.pending
	l.pending = nil
	l.mu.Unlock()
	for _, p := range pending {
		sleep(ctx, time.Until(p.cur.at.Add(pastGrace)))
		if ctx.Err() != nil {
			return
		}
		l.lateReplay(ctx, p)
	}
}

// endSession finishes a round's session in one of four ways, by round:
//
//	0: retry the exchange within the grace (same pair), then log out;
//	1: rotate once more, then replay the first refresh token (older than
//	   the one just exchanged: reuse whatever the time);
//	2: leave the session and replay its used token after the grace;
//	3: log out.
//
// first is the login's pair, cur the pair its first exchange gave.
func (l *load) endSession(ctx context.Context, n int, first, cur session, pending []lateReplay) []lateReplay {
	switch n % 4 {
	case 0:
		l.graceRetry(ctx, first, cur)
		l.logout(ctx, cur, first)
	case 1:
		next, ok := l.rotate(ctx, cur)
		if !ok {
			l.logout(ctx, cur, first)
			return pending
		}
		l.reused(ctx, first.refresh, "a refresh token two exchanges old", false, next, cur, first)
	case 2:
		return append(pending, lateReplay{used: first, cur: cur})
	default:
		l.logout(ctx, cur, first)
	}
	return pending
}

// logout ends cur's session; after a 204 its tokens, the family's older
// access tokens and an earlier revoked token of each kind are replayed.
func (l *load) logout(ctx context.Context, cur session, older ...session) {
	if st, _ := l.do(ctx, "logout", "POST", "/v1/auth/logout", cur.access, nil); st != http.StatusNoContent {
		return
	}
	l.familyRevoked(ctx, "by logout", append([]session{cur}, older...)...)
	l.mu.Lock()
	n := len(l.revoked) + len(l.revokedRefresh)
	oldAccess := l.revoked[n%len(l.revoked)]
	oldRefresh := l.revokedRefresh[n%len(l.revokedRefresh)]
	l.mu.Unlock()
	l.replayAccess(ctx, oldAccess, "an earlier revoked access token")
	l.replayRefresh(ctx, oldRefresh, "an earlier revoked refresh token")
}

// sweepRevoked presents, once the load has stopped and the fault is over,
// every access token and every refresh token the scenario saw revoked:
// a revocation lost to the fault (a failover to a replica that had not
// received it) shows here. Access tokens go first, as in familyRevoked.
// Its requests are checked like any other but left out of the figures.
func (l *load) sweepRevoked(ctx context.Context) {
	l.mu.Lock()
	access := append([]string(nil), l.revoked...)
	refresh := append([]string(nil), l.revokedRefresh...)
	l.refresh.Swept = len(access) + len(refresh)
	l.mu.Unlock()
	l.sweeping.Store(true)
	defer l.sweeping.Store(false)
	for _, t := range access {
		if ctx.Err() != nil {
			return
		}
		l.replayAccess(ctx, t, "a revoked access token, presented again after the fault")
	}
	for _, t := range refresh {
		if ctx.Err() != nil {
			return
		}
		l.replayRefresh(ctx, t, "a used or revoked refresh token, presented again after the fault")
	}
}
