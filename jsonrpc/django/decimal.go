package django

import (
	"fmt"
	"math/big"
	"strconv"
	"strings"
)

// --- Python decimals ------------------------------------------------------

// decParts is a Python decimal: sign, coefficient digits (no leading zeros,
// "0" for zero) and exponent, or a special value.
type decParts struct {
	neg     bool
	coef    string
	exp     int
	special string // "", "Infinity", "NaN" or "sNaN"
}

// parseDecimal reads Python's decimal syntax (see [Decimal]).
func parseDecimal(s string) (decParts, error) {
	r := s
	neg := false
	if r != "" && (r[0] == '+' || r[0] == '-') {
		neg = r[0] == '-'
		r = r[1:]
	}
	p, special, ok := parseSpecialDecimal(r)
	if !special {
		p, ok = parseFiniteDecimal(r)
	}
	if !ok {
		return decParts{}, fmt.Errorf("jsonrpc: invalid decimal %q", s)
	}
	p.neg = neg
	return p, nil
}

// parseSpecialDecimal reads an unsigned infinity or NaN (in any case; a
// NaN may carry a payload of digits). special is false when r is neither,
// ok false when it is a NaN with a bad payload.
func parseSpecialDecimal(r string) (p decParts, special, ok bool) {
	switch lr := strings.ToLower(r); {
	case lr == "inf" || lr == "infinity":
		return decParts{special: "Infinity"}, true, true
	case strings.HasPrefix(lr, "nan") || strings.HasPrefix(lr, "snan"):
		p.special = "NaN"
		payload := lr[3:]
		if lr[0] == 's' {
			p.special = "sNaN"
			payload = lr[4:]
		}
		for i := 0; i < len(payload); i++ {
			if payload[i] < '0' || payload[i] > '9' {
				return decParts{}, true, false
			}
		}
		p.coef = strings.TrimLeft(payload, "0")
		return p, true, true
	}
	return decParts{}, false, false
}

// parseFiniteDecimal reads an unsigned finite decimal: digits with an
// optional decimal point (at least one digit in all), then an optional
// exponent.
func parseFiniteDecimal(r string) (p decParts, ok bool) {
	var digits []byte
	i, frac, seen := 0, 0, false
	for ; i < len(r) && r[i] >= '0' && r[i] <= '9'; i++ {
		digits, seen = append(digits, r[i]), true
	}
	if i < len(r) && r[i] == '.' {
		for i++; i < len(r) && r[i] >= '0' && r[i] <= '9'; i++ {
			digits, seen = append(digits, r[i]), true
			frac++
		}
	}
	if !seen {
		return decParts{}, false
	}
	exp, ok := parseDecimalExponent(r[i:])
	if !ok {
		return decParts{}, false
	}
	p.coef = strings.TrimLeft(string(digits), "0")
	if p.coef == "" {
		p.coef = "0"
	}
	p.exp = exp - frac
	return p, true
}

// parseDecimalExponent reads what follows a decimal's digits: nothing, or
// e or E, an optional sign and digits (an exponent over about 10^10 is refused).
func parseDecimalExponent(r string) (exp int, ok bool) {
	if r == "" {
		return 0, true
	}
	if r[0] != 'e' && r[0] != 'E' {
		return 0, false
	}
	i := 1
	eneg := false
	if i < len(r) && (r[i] == '+' || r[i] == '-') {
		eneg = r[i] == '-'
		i++
	}
	start := i
	for ; i < len(r) && r[i] >= '0' && r[i] <= '9'; i++ {
		if exp > 1e9 {
			return 0, false
		}
		exp = exp*10 + int(r[i]-'0')
	}
	if i == start || i != len(r) {
		return 0, false
	}
	if eneg {
		exp = -exp
	}
	return exp, true
}

// appendTo writes p as Python's Decimal.__str__ does.
func (p decParts) appendTo(b []byte) []byte {
	if p.neg {
		b = append(b, '-')
	}
	if p.special != "" {
		b = append(b, p.special...)
		return append(b, p.coef...)
	}
	left := p.exp + len(p.coef) // digits left of the point
	dot := 1
	if p.exp <= 0 && left > -6 {
		dot = left
	}
	switch {
	case dot <= 0:
		b = append(b, '0', '.')
		for i := 0; i < -dot; i++ {
			b = append(b, '0')
		}
		b = append(b, p.coef...)
	case dot >= len(p.coef):
		b = append(b, p.coef...)
		for i := len(p.coef); i < dot; i++ {
			b = append(b, '0')
		}
	default:
		b = append(b, p.coef[:dot]...)
		b = append(b, '.')
		b = append(b, p.coef[dot:]...)
	}
	if left != dot {
		b = append(b, 'E')
		if left-dot > 0 {
			b = append(b, '+')
		}
		b = strconv.AppendInt(b, int64(left-dot), 10)
	}
	return b
}

func bigFloatParts(x *big.Float) decParts {
	if x.IsInf() {
		return decParts{neg: x.Signbit(), special: "Infinity"}
	}
	p, err := parseDecimal(x.Text('e', -1))
	if err != nil { // cannot happen: Text('e') is decimal syntax
		panic(err)
	}
	if p.exp > 0 {
		if p.coef != "0" {
			p.coef += strings.Repeat("0", p.exp)
		}
		p.exp = 0
	}
	return p
}

var (
	bigTen   = big.NewInt(10)
	bigTwo   = big.NewInt(2)
	bigFive  = big.NewInt(5)
	big10p28 = new(big.Int).Exp(bigTen, big.NewInt(28), nil)
)

func bigRatParts(x *big.Rat) decParts {
	neg := x.Sign() < 0
	num := new(big.Int).Abs(x.Num())
	den := x.Denom()
	// Finite expansion when den = 2^a 5^c: max(a, c) fractional digits.
	d := new(big.Int).Set(den)
	a, c := 0, 0
	var q, m big.Int
	for {
		q.QuoRem(d, bigTwo, &m)
		if m.Sign() != 0 {
			break
		}
		d.Set(&q)
		a++
	}
	for {
		q.QuoRem(d, bigFive, &m)
		if m.Sign() != 0 {
			break
		}
		d.Set(&q)
		c++
	}
	if d.IsInt64() && d.Int64() == 1 {
		p, err := parseDecimal(new(big.Rat).Abs(x).FloatString(max(a, c)))
		if err != nil {
			panic(err)
		}
		p.neg = neg
		return p
	}
	// 28 significant digits: adj = floor(log10(num/den)).
	adj := len(num.String()) - len(den.String())
	if cmpScaled(num, den, adj) < 0 {
		adj--
	}
	shift := 27 - adj // coef = round(num * 10^shift / den)
	n, dd := new(big.Int).Set(num), new(big.Int).Set(den)
	if shift >= 0 {
		n.Mul(n, new(big.Int).Exp(bigTen, big.NewInt(int64(shift)), nil))
	} else {
		dd.Mul(dd, new(big.Int).Exp(bigTen, big.NewInt(int64(-shift)), nil))
	}
	n.QuoRem(n, dd, &m)
	// The expansion is infinite, so the remainder is never exactly half.
	if m.Lsh(&m, 1).Cmp(dd) > 0 {
		n.Add(n, big.NewInt(1))
	}
	exp := -shift
	if n.Cmp(big10p28) == 0 {
		n.Quo(n, bigTen)
		exp++
	}
	return decParts{neg: neg, coef: n.String(), exp: exp}
}

// cmpScaled compares num with den*10^k.
func cmpScaled(num, den *big.Int, k int) int {
	n, d := new(big.Int).Set(num), new(big.Int).Set(den)
	if k >= 0 {
		d.Mul(d, new(big.Int).Exp(bigTen, big.NewInt(int64(k)), nil))
	} else {
		n.Mul(n, new(big.Int).Exp(bigTen, big.NewInt(int64(-k)), nil))
	}
	return n.Cmp(d)
}
