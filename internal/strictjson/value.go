package strictjson

// Names detects a repeated member name within one object. The zero value
// is ready; use one Names per object. Names passed to Add must already be
// unescaped and must not change while the Names is in use.
type Names struct {
	// The usual handful of names is compared linearly without
	// allocating; past len(small) a set takes over so that a hostile
	// object with thousands of members still costs linear time.
	small [16][]byte
	n     int
	set   map[string]struct{}
}

// Add records name and reports whether the object already held it.
func (ns *Names) Add(name []byte) (dup bool) {
	if ns.set == nil && ns.n < len(ns.small) {
		for _, seen := range ns.small[:ns.n] {
			if string(seen) == string(name) {
				return true
			}
		}
		ns.small[ns.n] = name
		ns.n++
		return false
	}
	if ns.set == nil {
		ns.set = make(map[string]struct{}, 2*len(ns.small))
		for _, seen := range ns.small[:ns.n] {
			ns.set[string(seen)] = struct{}{}
		}
	}
	if _, dup := ns.set[string(name)]; dup {
		return true
	}
	ns.set[string(name)] = struct{}{}
	return false
}

// Skip reads one value of any kind at Pos (after whitespace), refusing
// duplicate member names at every depth with [ErrDuplicate]. The first
// byte decides the kind, as RFC 8259's grammar allows: nothing is tried
// and backed out of, so the scan is linear in the input whatever it holds.
// Recursion is bounded by MaxDepth; without one, by the input's length.
func (s *Scanner) Skip() {
	s.SkipSpace()
	if s.EOF() {
		return
	}
	switch c := s.Data[s.Pos]; {
	case c == '{':
		s.object(nil)
	case c == '[':
		if !s.Open(']') {
			return
		}
		for {
			s.Skip()
			if !s.Next(']') {
				break
			}
		}
		s.Close()
	case c == '"':
		s.String()
	case c == 't':
		s.Literal("true")
	case c == 'f':
		s.Literal("false")
	case c == 'n':
		s.Literal("null")
	case c == '-' || c >= '0' && c <= '9':
		s.Number()
	default:
		s.Fail("unexpected character")
	}
}

// object reads the object at Pos, calling fn (when not nil) with each
// member's unescaped name and raw value. An error from fn stops the scan
// and becomes Err.
func (s *Scanner) object(fn func(name, raw []byte) error) {
	if !s.Open('}') {
		return
	}
	var names Names
	for {
		lit, escaped, ok := s.Name()
		if !ok {
			return
		}
		// Names are compared as values, not as spellings: "a" and
		// "\u0061" are one member to every decoder, so a duplicate
		// hidden behind an escape is still a duplicate. Without
		// escapes the name aliases Data and costs no copy.
		name := lit[1 : len(lit)-1]
		if escaped {
			name = AppendUnquote(nil, lit)
		}
		if names.Add(name) {
			s.Pos -= len(lit) // point at the repeated name
			s.Err = ErrDuplicate
			return
		}
		// The raw value handed to fn runs from its first byte to its
		// last, whitespace excluded on both sides, so a caller can
		// test its first byte for its kind.
		s.SkipSpace()
		start := s.Pos
		s.Skip()
		if s.Err != nil {
			return
		}
		if fn != nil {
			if err := fn(name, s.Data[start:s.Pos]); err != nil {
				s.Err = err
				return
			}
		}
		if !s.Next('}') {
			break
		}
	}
	s.Close()
}

// end checks that only whitespace follows the value just read.
func (s *Scanner) end() {
	if s.Err != nil {
		return
	}
	s.SkipSpace()
	if s.Pos < len(s.Data) {
		s.Fail("unexpected data after the JSON value")
	}
}

// Valid checks that b is exactly one strict JSON value nesting at most
// maxDepth levels (zero: no limit). It returns nil, a [*SyntaxError], a
// [*DepthError] or [ErrDuplicate].
func Valid(b []byte, maxDepth int) error {
	s := Scanner{Data: b, MaxDepth: maxDepth}
	s.Skip()
	s.end()
	return s.Err
}

// Members checks that b is exactly one strict JSON object nesting at most
// maxDepth levels and calls fn with each top-level member's unescaped
// name and raw value text, in order. The name may alias b; the value
// always does. It returns what [Valid] would, or the first error of fn,
// unchanged. Members already read have been passed to fn when it fails.
func Members(b []byte, maxDepth int, fn func(name, raw []byte) error) error {
	s := Scanner{Data: b, MaxDepth: maxDepth}
	s.SkipSpace()
	if s.EOF() {
		return s.Err
	}
	if s.Data[s.Pos] != '{' {
		s.Fail("expected an object")
		return s.Err
	}
	s.object(fn)
	s.end()
	return s.Err
}

// Elements checks that b is exactly one strict JSON array and calls fn
// with the raw text of each element, in order.
func Elements(b []byte, maxDepth int, fn func(raw []byte) error) error {
	s := Scanner{Data: b, MaxDepth: maxDepth}
	s.SkipSpace()
	if s.EOF() {
		return s.Err
	}
	if s.Data[s.Pos] != '[' {
		s.Fail("expected an array")
		return s.Err
	}
	if s.Open(']') {
		for {
			s.SkipSpace()
			start := s.Pos
			s.Skip()
			if s.Err != nil {
				return s.Err
			}
			if err := fn(s.Data[start:s.Pos]); err != nil {
				return err
			}
			if !s.Next(']') {
				break
			}
		}
		s.Close()
	}
	s.end()
	return s.Err
}
