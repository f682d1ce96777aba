package django

import (
	"encoding/json"
	"math"
	"math/big"
	"strings"
	"testing"
	"time"
)

// Encoder's strings for Django's types: what Django's DjangoJSONEncoder (and
// Python's str(Decimal)) write for the same values.

func TestDjangoEncoderDateTime(t *testing.T) {
	zone := func(name string, h, m, s int) *time.Location {
		sign := 1
		if h < 0 {
			sign, h = -1, -h
		}
		return time.FixedZone(name, sign*(h*3600+m*60+s))
	}
	london, err := time.LoadLocation("Europe/London")
	if err != nil {
		london = zone("GMT", 0, 0, 0)
	}
	tests := []struct {
		name string
		in   time.Time
		want string
	}{
		// datetime(2024,1,2,3,4,5,123456,UTC)
		{"micro", time.Date(2024, 1, 2, 3, 4, 5, 123456000, time.UTC), `"2024-01-02T03:04:05.123Z"`},
		{"cut not rounded", time.Date(2024, 1, 2, 3, 4, 5, 999999999, time.UTC), `"2024-01-02T03:04:05.999Z"`},
		{"no micro", time.Date(2024, 1, 2, 3, 4, 5, 0, time.UTC), `"2024-01-02T03:04:05Z"`},
		{"sub-micro ignored", time.Date(2024, 1, 2, 3, 4, 5, 999, time.UTC), `"2024-01-02T03:04:05Z"`},
		// datetime(..., microsecond=500): the fraction is kept as ".000"
		{"500us", time.Date(2024, 1, 2, 3, 4, 5, 500000, time.UTC), `"2024-01-02T03:04:05.000Z"`},
		{"plus two", time.Date(2024, 1, 2, 3, 4, 5, 999999000, zone("X", 2, 0, 0)), `"2024-01-02T03:04:05.999+02:00"`},
		{"minus 5:30", time.Date(2024, 1, 2, 3, 4, 5, 1000000, zone("X", -5, 30, 0)), `"2024-01-02T03:04:05.001-05:30"`},
		{"offset seconds", time.Date(1, 1, 1, 0, 0, 0, 0, zone("LMT", 5, 53, 28)), `"0001-01-01T00:00:00+05:53:28"`},
		{"zero offset zone", time.Date(2024, 1, 2, 3, 4, 5, 0, london), `"2024-01-02T03:04:05Z"`},
		{"zero time", time.Time{}, `"0001-01-01T00:00:00Z"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := marshal(t, tt.in); got != tt.want {
				t.Errorf("got %s, want %s", got, tt.want)
			}
			if got := marshal(t, &tt.in); got != tt.want {
				t.Errorf("pointer: got %s, want %s", got, tt.want)
			}
		})
	}
	if _, err := (Encoder{}).Marshal(time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC)); err == nil {
		t.Error("year 10000: no error")
	}
}

func TestDjangoEncoderDate(t *testing.T) {
	tests := []struct {
		in   Date
		want string
	}{
		{Date{2024, time.January, 2}, `"2024-01-02"`},
		{Date{1, time.December, 31}, `"0001-12-31"`},
		{Date{2024, time.February, 29}, `"2024-02-29"`},
		{Date{9999, time.December, 31}, `"9999-12-31"`},
	}
	for _, tt := range tests {
		if got := marshal(t, tt.in); got != tt.want {
			t.Errorf("%v: got %s, want %s", tt.in, got, tt.want)
		}
		// encoding/json writes the same through MarshalJSON.
		if b, err := json.Marshal(tt.in); err != nil || string(b) != tt.want {
			t.Errorf("json.Marshal(%v) = %s, %v", tt.in, b, err)
		}
		var back Date
		if err := json.Unmarshal([]byte(tt.want), &back); err != nil || back != tt.in {
			t.Errorf("Unmarshal(%s) = %v, %v", tt.want, back, err)
		}
	}
	for _, bad := range []Date{{}, {2023, time.February, 29}, {2024, 13, 1}, {10000, 1, 1}, {2024, 4, 31}} {
		if b, err := (Encoder{}).Marshal(bad); err == nil {
			t.Errorf("Marshal(%v) = %s, want error", bad, b)
		}
	}
	for _, bad := range []string{`"2024-1-02"`, `"2024-02-30"`, `"20240102"`, `"2024-01-02T00:00:00"`, `12`, `"0000-01-01"`} {
		var d Date
		if err := json.Unmarshal([]byte(bad), &d); err == nil {
			t.Errorf("Unmarshal(%s) = %v, want error", bad, d)
		}
	}
	d := Date{2024, 5, 6}
	if err := json.Unmarshal([]byte(`null`), &d); err != nil || d != (Date{2024, 5, 6}) {
		t.Errorf("null changed the date: %v, %v", d, err)
	}
	if got := DateOf(time.Date(2024, 5, 6, 23, 0, 0, 0, time.UTC)); got != (Date{2024, 5, 6}) {
		t.Errorf("DateOf = %v", got)
	}
}

func TestDjangoEncoderTimeOfDay(t *testing.T) {
	tests := []struct {
		in   TimeOfDay
		want string
	}{
		{TimeOfDay{15, 4, 5, 0}, `"15:04:05"`},
		{TimeOfDay{15, 4, 5, 123456000}, `"15:04:05.123"`},
		{TimeOfDay{15, 4, 5, 123999999}, `"15:04:05.123"`},
		{TimeOfDay{0, 0, 0, 1000}, `"00:00:00.000"`}, // time(0,0,0,1)
		{TimeOfDay{0, 0, 0, 999}, `"00:00:00"`},
		{TimeOfDay{}, `"00:00:00"`},
		{TimeOfDay{23, 59, 59, 999999999}, `"23:59:59.999"`},
	}
	for _, tt := range tests {
		if got := marshal(t, tt.in); got != tt.want {
			t.Errorf("%#v: got %s, want %s", tt.in, got, tt.want)
		}
		if b, err := json.Marshal(tt.in); err != nil || string(b) != tt.want {
			t.Errorf("json.Marshal(%#v) = %s, %v", tt.in, b, err)
		}
	}
	for _, bad := range []TimeOfDay{{24, 0, 0, 0}, {0, 60, 0, 0}, {0, 0, 60, 0}, {0, 0, 0, 1e9}, {-1, 0, 0, 0}} {
		if b, err := (Encoder{}).Marshal(bad); err == nil {
			t.Errorf("Marshal(%#v) = %s, want error", bad, b)
		}
	}
	parse := []struct {
		in   string
		want TimeOfDay
	}{
		{`"15:04"`, TimeOfDay{15, 4, 0, 0}},
		{`"15:04:05"`, TimeOfDay{15, 4, 5, 0}},
		{`"15:04:05.123"`, TimeOfDay{15, 4, 5, 123000000}},
		{`"15:04:05,123456"`, TimeOfDay{15, 4, 5, 123456000}},
		{`"15:04:05.123456789"`, TimeOfDay{15, 4, 5, 123456789}},
	}
	for _, tt := range parse {
		var got TimeOfDay
		if err := json.Unmarshal([]byte(tt.in), &got); err != nil || got != tt.want {
			t.Errorf("Unmarshal(%s) = %#v, %v; want %#v", tt.in, got, err, tt.want)
		}
	}
	for _, bad := range []string{`"25:00"`, `"1:02"`, `"15:04:"`, `"15:04:05."`, `"15:04:05Z"`, `"15:04:05.1234567890"`, `5`} {
		var got TimeOfDay
		if err := json.Unmarshal([]byte(bad), &got); err == nil {
			t.Errorf("Unmarshal(%s) = %#v, want error", bad, got)
		}
	}
}

func TestDjangoEncoderDuration(t *testing.T) {
	day := 24 * time.Hour
	tests := []struct {
		in   time.Duration
		want string
	}{
		{day + 2*time.Hour + 3*time.Minute + 4*time.Second, `"P1DT02H03M04S"`}, // timedelta(days=1, hours=2, minutes=3, seconds=4)
		{5 * time.Microsecond, `"P0DT00H00M00.000005S"`},                       // timedelta(microseconds=5)
		{-day, `"-P1DT00H00M00S"`},                                             // -timedelta(days=1)
		{0, `"P0DT00H00M00S"`},
		{-time.Microsecond, `"-P0DT00H00M00.000001S"`},
		{50 * time.Hour, `"P2DT02H00M00S"`},
		{1500 * time.Millisecond, `"P0DT00H00M01.500000S"`},
		{-(day + time.Hour + 500*time.Millisecond), `"-P1DT01H00M00.500000S"`},
		{999, `"P0DT00H00M00S"`},  // below a microsecond
		{-999, `"P0DT00H00M00S"`}, // timedelta(0) has no sign
		{1999, `"P0DT00H00M00.000001S"`},
		{math.MaxInt64, `"P106751DT23H47M16.854775S"`},
		{math.MinInt64, `"-P106751DT23H47M16.854775S"`},
	}
	for _, tt := range tests {
		if got := marshal(t, tt.in); got != tt.want {
			t.Errorf("%v: got %s, want %s", tt.in, got, tt.want)
		}
	}
}

func TestDjangoEncoderDecimal(t *testing.T) {
	tests := []struct {
		in   Decimal
		want string
	}{ // str(Decimal(in))
		{"1.50", "1.50"},
		{"+1.5", "1.5"},
		{"-0", "-0"},
		{"0.000001", "0.000001"},
		{"0.0000001", "1E-7"},
		{"1e3", "1E+3"},
		{"1.2e3", "1.2E+3"},
		{"1E-7", "1E-7"},
		{".5", "0.5"},
		{"5.", "5"},
		{"007.50", "7.50"},
		{"0e5", "0E+5"},
		{"0.000", "0.000"},
		{"-Inf", "-Infinity"},
		{"inf", "Infinity"},
		{"nan", "NaN"},
		{"NaN0123", "NaN123"},
		{"-sNaN", "-sNaN"},
		{"1234567890.0987654321", "1234567890.0987654321"},
		{"12e-2", "0.12"},
		{"1e-6", "0.000001"},
		{"123E+2", "1.23E+4"},
		{"-0.00", "-0.00"},
		{"1.0E-10", "1.0E-10"},
		{"100", "100"},
	}
	for _, tt := range tests {
		want := `"` + tt.want + `"`
		if got := marshal(t, tt.in); got != want {
			t.Errorf("%q: got %s, want %s", tt.in, got, want)
		}
		if b, err := json.Marshal(tt.in); err != nil || string(b) != want {
			t.Errorf("json.Marshal(%q) = %s, %v", tt.in, b, err)
		}
	}
	for _, bad := range []Decimal{"", "abc", "1.2.3", "1e", "e5", ".", "+", "1_000", " 1", "NaNx", "0x10"} {
		if b, err := (Encoder{}).Marshal(bad); err == nil {
			t.Errorf("Marshal(%q) = %s, want error", bad, b)
		}
	}
	var d Decimal
	if err := json.Unmarshal([]byte(`12.50`), &d); err != nil || d != "12.50" {
		t.Errorf("Unmarshal number = %q, %v", d, err)
	}
	if err := json.Unmarshal([]byte(`"-1e3"`), &d); err != nil || d != "-1e3" {
		t.Errorf("Unmarshal string = %q, %v", d, err)
	}
	if err := json.Unmarshal([]byte(`"x"`), &d); err == nil {
		t.Error("Unmarshal invalid string: no error")
	}
	if err := json.Unmarshal([]byte(`true`), &d); err == nil {
		t.Error("Unmarshal true: no error")
	}
}

// bigDecimalCase is a *big.Rat or *big.Float (or one of their values) and
// the digits Encoder writes for it, between quotes.
type bigDecimalCase struct {
	name string
	in   any
	want string
}

// bigDecimalCases are big.Rat and big.Float values with the decimal string
// Encoder writes for them; a big.Rat a/b's is Python's Decimal(a) /
// Decimal(b) in the default context (28 significant digits).
func bigDecimalCases(t *testing.T) []bigDecimalCase {
	t.Helper()
	rat := func(a, b int64) *big.Rat { return big.NewRat(a, b) }
	floatOf := func(s string) *big.Float {
		f, _, err := big.ParseFloat(s, 10, 64, big.ToNearestEven)
		if err != nil {
			t.Fatal(err)
		}
		return f
	}
	return []bigDecimalCase{
		// Decimal(a) / Decimal(b) in Python's default context
		{"third", rat(1, 3), "0.3333333333333333333333333333"},
		{"two thirds", rat(2, 3), "0.6666666666666666666666666667"},
		{"neg seventh", rat(-1, 7), "-0.1428571428571428571428571429"},
		{"22/7", rat(22, 7), "3.142857142857142857142857143"},
		{"huge", new(big.Rat).SetFrac(pow10(40), big.NewInt(3)), "3.333333333333333333333333333E+39"},
		{"tiny", new(big.Rat).SetFrac(big.NewInt(1), new(big.Int).Mul(big.NewInt(3), pow10(10))), "3.333333333333333333333333333E-11"},
		{"quarter", rat(1, 4), "0.25"},
		{"12.5", rat(100, 8), "12.5"},
		{"1E-10", new(big.Rat).SetFrac(big.NewInt(1), pow10(10)), "1E-10"},
		{"int", rat(100, 1), "100"},
		{"zero rat", new(big.Rat), "0"},
		{"reduced to one", rat(99999999999999999, 99999999999999999), "1"},
		{"float", floatOf("1.10"), "1.1"},
		{"float 1e3", big.NewFloat(1e3), "1000"},
		{"float 1e30", big.NewFloat(1e30), "1000000000000000000000000000000"},
		{"float neg", big.NewFloat(-0.5), "-0.5"},
		{"float tiny", big.NewFloat(1e-7), "1E-7"},
		{"float zero", new(big.Float), "0"},
		{"float inf", new(big.Float).SetInf(true), "-Infinity"},
		{"float value", *big.NewFloat(2.5), "2.5"},
		{"rat value", *rat(1, 8), "0.125"},
	}
}

// pow10 is 10**n.
func pow10(n int64) *big.Int { return new(big.Int).Exp(big.NewInt(10), big.NewInt(n), nil) }

func TestDjangoEncoderBigDecimals(t *testing.T) {
	for _, tt := range bigDecimalCases(t) {
		t.Run(tt.name, func(t *testing.T) {
			if got := marshal(t, tt.in); got != `"`+tt.want+`"` {
				t.Errorf("got %s, want %q", got, tt.want)
			}
		})
	}
	r := new(big.Rat).SetFrac(new(big.Int).Sub(pow10(40), big.NewInt(1)), new(big.Int).Mul(big.NewInt(3), pow10(40)))
	// This one is 0.33...3 with 40 digits: finite expansions are exact.
	if got := marshal(t, r); got != `"0.`+strings.Repeat("3", 40)+`"` {
		t.Errorf("(10^40-1)/(3*10^40) = %s", got)
	}
	r = new(big.Rat).SetFrac(new(big.Int).Sub(pow10(40), big.NewInt(1)), new(big.Int).Mul(big.NewInt(7), pow10(39)))
	// Decimal(10**40-1)/Decimal(7*10**39)
	if got := marshal(t, r); got != `"1.428571428571428571428571429"` {
		t.Errorf("(10^40-1)/(7*10^39) = %s", got)
	}
	// Decimal(3*10**28-1)/Decimal(3*10**28): the 28 nines round up and
	// carry into the exponent.
	r = new(big.Rat).SetFrac(new(big.Int).Sub(new(big.Int).Mul(big.NewInt(3), pow10(28)), big.NewInt(1)), new(big.Int).Mul(big.NewInt(3), pow10(28)))
	if got := marshal(t, r); got != `"1.000000000000000000000000000"` {
		t.Errorf("carry case = %s", got)
	}
	r = new(big.Rat).SetFrac(new(big.Int).Sub(pow10(29), big.NewInt(1)), new(big.Int).Sub(pow10(29), big.NewInt(3)))
	// Decimal(10**29-1)/Decimal(10**29-3)
	if got := marshal(t, r); got != `"1.000000000000000000000000000"` {
		t.Errorf("rounding carry = %s", got)
	}
}

type uuidT [16]byte

func TestDjangoEncoderUUID(t *testing.T) {
	u := uuidT{0x12, 0x3e, 0x45, 0x67, 0xe8, 0x9b, 0x12, 0xd3, 0xa4, 0x56, 0x42, 0x66, 0x14, 0x17, 0x40, 0x00}
	want := `"123e4567-e89b-12d3-a456-426614174000"`
	if got := marshal(t, u); got != want {
		t.Errorf("got %s, want %s", got, want)
	}
	if got := marshal(t, [16]byte(u)); got != want {
		t.Errorf("[16]byte: got %s, want %s", got, want)
	}
	if got := marshal(t, []uuidT{{}, u}); got != `["00000000-0000-0000-0000-000000000000",`+want+`]` {
		t.Errorf("slice: got %s", got)
	}
	if got := marshal(t, map[uuidT]int{u: 1}); got != `{`+want+`:1}` {
		t.Errorf("map key: got %s", got)
	}
	// Other byte arrays are arrays of numbers, as in encoding/json.
	if got := marshal(t, [4]byte{1, 2, 3, 4}); got != `[1,2,3,4]` {
		t.Errorf("[4]byte: got %s", got)
	}
}
