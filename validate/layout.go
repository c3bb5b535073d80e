package validate

import "strings"

// layoutTokens are the elements of a Go time layout and how a client
// reads them. Go spells layouts with a reference date ("2006-01-02"),
// which means nothing to someone who has not read the time package, so
// answers use the common notation ("YYYY-MM-DD") instead. Longer tokens
// come first: at each position the first match wins.
var layoutTokens = [...]struct{ goSpelling, client string }{
	{"January", "month name"},
	{"Monday", "weekday"},
	{"Jan", "month abbreviation"},
	{"Mon", "weekday abbreviation"},
	{"MST", "time zone abbreviation"},
	{"2006", "YYYY"},
	{"Z07:00:00", "±hh:mm:ss"},
	{"-07:00:00", "±hh:mm:ss"},
	{"Z070000", "±hhmmss"},
	{"-070000", "±hhmmss"},
	{"Z07:00", "±hh:mm"},
	{"-07:00", "±hh:mm"},
	{"Z0700", "±hhmm"},
	{"-0700", "±hhmm"},
	{"Z07", "±hh"},
	{"-07", "±hh"},
	{"002", "DDD"},
	{"__2", "DDD"},
	{"_2", "D"},
	{"01", "MM"},
	{"02", "DD"},
	{"03", "hh"},
	{"04", "mm"},
	{"05", "ss"},
	{"06", "YY"},
	{"15", "hh"},
	{"PM", "AM/PM"},
	{"pm", "am/pm"},
	{"1", "M"},
	{"2", "D"},
	{"3", "h"},
	{"4", "m"},
	{"5", "s"},
}

// layoutText spells a Go time layout the way a client reads a date
// format: "2006-01-02" is "YYYY-MM-DD" and time.RFC3339 is
// "YYYY-MM-DDThh:mm:ss±hh:mm". Text that is not a layout element stays
// as it is.
func layoutText(layout string) string {
	var b strings.Builder
	for i := 0; i < len(layout); {
		if n := fraction(layout[i:]); n > 0 {
			// ".000" is exactly three digits; ".999" up to three, and
			// Go also accepts them when the layout has none.
			b.WriteString(layout[i:i+1] + strings.Repeat("s", n-1))
			i += n
			continue
		}
		matched := false
		for _, t := range layoutTokens {
			if strings.HasPrefix(layout[i:], t.goSpelling) {
				b.WriteString(t.client)
				i += len(t.goSpelling)
				matched = true
				break
			}
		}
		if !matched {
			b.WriteByte(layout[i])
			i++
		}
	}
	return b.String()
}

// fraction returns the length of a fractional-seconds element at the
// start of s: '.' or ',' then a run of 0s or of 9s not followed by a
// digit; 0 when there is none.
func fraction(s string) int {
	if len(s) < 2 || (s[0] != '.' && s[0] != ',') || (s[1] != '0' && s[1] != '9') {
		return 0
	}
	n := 2
	for n < len(s) && s[n] == s[1] {
		n++
	}
	if n < len(s) && s[n] >= '0' && s[n] <= '9' {
		return 0
	}
	return n
}
