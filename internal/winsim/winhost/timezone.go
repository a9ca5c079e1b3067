package winhost

import (
	"encoding/binary"
	"strconv"
	"strings"
	"time"
)

// This file is the host's time zones: the database under Time Zones (one key per zone, with its
// names in the host's language), the current zone under TimeZoneInformation as the Date and Time
// control panel and tzutil /s write it, and ActiveTimeBias following daylight saving time.

// keyTimeZones is the time zone database.
const keyTimeZones = keyCurrentVer + `\Time Zones`

// timeZone is one zone the simulator knows. Names are [inferred] except the ids and the English
// display names, which are Windows' own; the tzres.dll resource numbers are [inferred].
type timeZone struct {
	id                 string // key name, what tzutil /g prints
	display, std, dlt  string // English
	jDisplay, jStd, jD string // Japanese
	mui                int    // tzres.dll resource of Display; Dlt is mui-1, Std mui-2
	bias, dltBias      int    // minutes, UTC = local + bias; daylight adds dltBias
	dst                *dstRule
}

// dstRule is when daylight saving time starts and ends, as TZI's SYSTEMTIMEs give it: the week-th
// Sunday of the month (5: the last), at a local hour (standard time for the start, daylight time
// for the end).
type dstRule struct {
	startMonth, startWeek, startHour int
	endMonth, endWeek, endHour       int
}

var (
	usDST  = &dstRule{3, 2, 2, 11, 1, 2} // second Sunday of March to first Sunday of November
	gmtDST = &dstRule{3, 5, 1, 10, 5, 2} // last Sundays of March and October, 01:00 UTC
	cetDST = &dstRule{3, 5, 2, 10, 5, 3} // the same instants one hour east
	ausDST = &dstRule{10, 1, 2, 4, 1, 3} // first Sunday of October to first Sunday of April
	tzList = []timeZone{
		{"Dateline Standard Time", "(UTC-12:00) International Date Line West", "Dateline Standard Time", "Dateline Daylight Time",
			"(UTC-12:00) 国際日付変更線 西側", "日付変更線標準時", "日付変更線夏時間", -10, 720, 0, nil},
		{"Pacific Standard Time", "(UTC-08:00) Pacific Time (US & Canada)", "Pacific Standard Time", "Pacific Daylight Time",
			"(UTC-08:00) 太平洋標準時 (米国およびカナダ)", "太平洋標準時", "太平洋夏時間", -210, 480, -60, usDST},
		{"Mountain Standard Time", "(UTC-07:00) Mountain Time (US & Canada)", "Mountain Standard Time", "Mountain Daylight Time",
			"(UTC-07:00) 山地標準時 (米国およびカナダ)", "山地標準時", "山地夏時間", -190, 420, -60, usDST},
		{"Central Standard Time", "(UTC-06:00) Central Time (US & Canada)", "Central Standard Time", "Central Daylight Time",
			"(UTC-06:00) 中部標準時 (米国およびカナダ)", "中部標準時", "中部夏時間", -20, 360, -60, usDST},
		{"Eastern Standard Time", "(UTC-05:00) Eastern Time (US & Canada)", "Eastern Standard Time", "Eastern Daylight Time",
			"(UTC-05:00) 東部標準時 (米国およびカナダ)", "東部標準時", "東部夏時間", -110, 300, -60, usDST},
		{"UTC", "(UTC) Coordinated Universal Time", "Coordinated Universal Time", "Coordinated Universal Time",
			"(UTC) 協定世界時", "協定世界時", "協定世界時", -930, 0, 0, nil},
		{"GMT Standard Time", "(UTC+00:00) Dublin, Edinburgh, Lisbon, London", "GMT Standard Time", "GMT Daylight Time",
			"(UTC+00:00) ダブリン、エジンバラ、リスボン、ロンドン", "GMT 標準時", "GMT 夏時間", -260, 0, -60, gmtDST},
		{"W. Europe Standard Time", "(UTC+01:00) Amsterdam, Berlin, Bern, Rome, Stockholm, Vienna", "W. Europe Standard Time", "W. Europe Daylight Time",
			"(UTC+01:00) アムステルダム、ベルリン、ベルン、ローマ、ストックホルム、ウィーン", "西ヨーロッパ標準時", "西ヨーロッパ夏時間", -320, -60, -60, cetDST},
		{"Russian Standard Time", "(UTC+03:00) Moscow, St. Petersburg", "Russia TZ 2 Standard Time", "Russia TZ 2 Daylight Time",
			"(UTC+03:00) モスクワ、サンクトペテルブルク", "ロシア TZ 2 標準時", "ロシア TZ 2 夏時間", -1820, -180, 0, nil},
		{"India Standard Time", "(UTC+05:30) Chennai, Kolkata, Mumbai, New Delhi", "India Standard Time", "India Daylight Time",
			"(UTC+05:30) チェンナイ、コルカタ、ムンバイ、ニューデリー", "インド標準時", "インド夏時間", -440, -330, 0, nil},
		{"China Standard Time", "(UTC+08:00) Beijing, Chongqing, Hong Kong, Urumqi", "China Standard Time", "China Daylight Time",
			"(UTC+08:00) 北京、重慶、香港特別行政区、ウルムチ", "中国標準時", "中国夏時間", -570, -480, 0, nil},
		{"Korea Standard Time", "(UTC+09:00) Seoul", "Korea Standard Time", "Korea Daylight Time",
			"(UTC+09:00) ソウル", "韓国標準時", "韓国夏時間", -620, -540, 0, nil},
		{"Tokyo Standard Time", "(UTC+09:00) Osaka, Sapporo, Tokyo", "Tokyo Standard Time", "Tokyo Daylight Time",
			"(UTC+09:00) 大阪、札幌、東京", "東京 (標準時)", "東京 (夏時間)", -630, -540, 0, nil},
		{"AUS Eastern Standard Time", "(UTC+10:00) Canberra, Melbourne, Sydney", "AUS Eastern Standard Time", "AUS Eastern Daylight Time",
			"(UTC+10:00) キャンベラ、メルボルン、シドニー", "オーストラリア東部標準時", "オーストラリア東部夏時間", -670, -600, -60, ausDST},
	}
)

func findTimeZone(id string) (timeZone, bool) {
	for _, tz := range tzList {
		if strings.EqualFold(tz.id, id) {
			return tz, true
		}
	}
	return timeZone{}, false
}

// zoneNames returns the zone's display, standard and daylight names in the host's language; releases
// before 2008 print GMT where later ones print UTC [inferred].
func (h *Machine) zoneNames(tz timeZone) (display, std, dlt string) {
	display, std, dlt = tz.display, tz.std, tz.dlt
	if h.cfg.Locale == JaJP {
		display, std, dlt = tz.jDisplay, tz.jStd, tz.jD
	}
	if h.cfg.Profile == P2003 {
		display = strings.Replace(display, "(UTC", "(GMT", 1)
	}
	return display, std, dlt
}

// writeTimeZoneDB writes the Time Zones key: Display, Dlt, Std, TZI, and from 2008 on the MUI_
// indirect strings.
func (h *Machine) writeTimeZoneDB() {
	for _, tz := range tzList {
		k := h.reg.ensure(keyTimeZones + `\` + tz.id)
		display, std, dlt := h.zoneNames(tz)
		k.set("Display", sz(display))
		k.set("Dlt", sz(dlt))
		k.set("Std", sz(std))
		if h.cfg.Profile != P2003 {
			k.set("MUI_Display", sz(tzres(tz.mui)))
			k.set("MUI_Dlt", sz(tzres(tz.mui-1)))
			k.set("MUI_Std", sz(tzres(tz.mui-2)))
		}
		k.set("TZI", Value{Type: "REG_BINARY", Bin: tz.tzi()})
	}
}

// tzres is an indirect string naming a tzres.dll resource (n is negative).
func tzres(n int) string { return "@tzres.dll," + strconv.Itoa(n) }

// tzi encodes the zone as the TZI value: Bias, StandardBias, DaylightBias, then the SYSTEMTIMEs of
// the end and the start of daylight saving time (KB 115231).
func (tz timeZone) tzi() []byte {
	b := make([]byte, 0, 44)
	for _, n := range []int{tz.bias, 0, tz.dltBias} {
		b = binary.LittleEndian.AppendUint32(b, uint32(int32(n)))
	}
	return append(b, tz.transitions()...)
}

// transitions are StandardDate then DaylightDate, 16 bytes each, zero for a zone without DST.
func (tz timeZone) transitions() []byte {
	b := make([]byte, 32)
	if r := tz.dst; r != nil {
		copy(b[:16], systemTime(r.endMonth, r.endWeek, r.endHour))
		copy(b[16:], systemTime(r.startMonth, r.startWeek, r.startHour))
	}
	return b
}

// systemTime is a SYSTEMTIME in the day-in-month form: year 0, month, Sunday, week, hour.
func systemTime(month, week, hour int) []byte {
	b := make([]byte, 0, 16)
	for _, n := range []int{0, month, 0, week, hour, 0, 0, 0} {
		b = binary.LittleEndian.AppendUint16(b, uint16(n))
	}
	return b
}

// setTimeZone writes TimeZoneInformation for tz as tzutil /s (from 2008 R2) and the control panel
// do: the names (indirect strings from 2008 on, the host language's names on 2003), the biases,
// the transitions, TimeZoneKeyName and DynamicDaylightTimeDisabled from 2008 on, and
// ActiveTimeBias for now. dstOff turns the automatic daylight saving adjustment off.
func (h *Machine) setTimeZone(tz timeZone, dstOff bool) {
	k := h.reg.ensure(keyTimeZone)
	_, std, dlt := h.zoneNames(tz)
	if h.cfg.Profile != P2003 {
		std, dlt = tzres(tz.mui-2), tzres(tz.mui-1)
	}
	tr := tz.transitions()
	k.set("Bias", dword(uint32(int32(tz.bias))))
	k.set("StandardName", sz(std))
	k.set("StandardBias", dword(0))
	k.set("StandardStart", Value{Type: "REG_BINARY", Bin: tr[:16]})
	k.set("DaylightName", sz(dlt))
	k.set("DaylightBias", dword(uint32(int32(tz.dltBias))))
	k.set("DaylightStart", Value{Type: "REG_BINARY", Bin: tr[16:]})
	if h.cfg.Profile != P2003 {
		k.set("TimeZoneKeyName", sz(tz.id))
		k.set("DynamicDaylightTimeDisabled", dword(boolDWord(dstOff)))
	} else {
		// The 2003 switch [inferred: written as 0 by the control panel with the box ticked].
		k.set("DisableAutoDaylightTimeSet", dword(boolDWord(dstOff)))
	}
	k.set("ActiveTimeBias", dword(uint32(int32(tz.activeBias(h.now(), dstOff)))))
}

func boolDWord(b bool) uint32 {
	if b {
		return 1
	}
	return 0
}

// currentZone finds the zone TimeZoneInformation names: by TimeZoneKeyName, or on 2003 by its
// StandardName; dstOff is the automatic adjustment switch. ok is false for a zone not in the table.
func (h *Machine) currentZone() (tz timeZone, dstOff, ok bool) {
	k := h.reg.key(keyTimeZone)
	if k == nil {
		return timeZone{}, false, false
	}
	for _, n := range []string{"DynamicDaylightTimeDisabled", "DisableAutoDaylightTimeSet"} {
		if v, _ := k.get(n); v != nil && v.val.Type == "REG_DWORD" && v.val.Num != 0 {
			dstOff = true
		}
	}
	if v, _ := k.get("TimeZoneKeyName"); v != nil {
		tz, ok = findTimeZone(v.val.Str)
		return tz, dstOff, ok
	}
	v, _ := k.get("StandardName")
	if v == nil {
		return timeZone{}, dstOff, false
	}
	for _, z := range tzList {
		if _, std, _ := h.zoneNames(z); std == v.val.Str {
			return z, dstOff, true
		}
	}
	return timeZone{}, dstOff, false
}

// refreshActiveBias keeps ActiveTimeBias right for now, as Windows does at each transition, for a
// zone of the table. Callers hold h.mu.
func (h *Machine) refreshActiveBias() {
	tz, dstOff, ok := h.currentZone()
	if !ok {
		return
	}
	want := dword(uint32(int32(tz.activeBias(h.now(), dstOff))))
	if v, _ := h.reg.getValue(keyTimeZone, "ActiveTimeBias"); v.Type != want.Type || v.Num != want.Num {
		h.reg.setValue(keyTimeZone, "ActiveTimeBias", want)
	}
}

// activeBias is the bias in effect at t.
func (tz timeZone) activeBias(t time.Time, dstOff bool) int {
	if !dstOff && tz.inDST(t) {
		return tz.bias + tz.dltBias
	}
	return tz.bias
}

// inDST reports whether daylight saving time is in effect at t.
func (tz timeZone) inDST(t time.Time) bool {
	r := tz.dst
	if r == nil {
		return false
	}
	// Transitions are compared in local standard time: the start is given in it, the end in
	// daylight time, one dltBias earlier.
	local := t.UTC().Add(-time.Duration(tz.bias) * time.Minute)
	y := local.Year()
	start := nthSunday(y, r.startMonth, r.startWeek).Add(time.Duration(r.startHour) * time.Hour)
	end := nthSunday(y, r.endMonth, r.endWeek).Add(time.Duration(r.endHour)*time.Hour + time.Duration(tz.dltBias)*time.Minute)
	if r.startMonth < r.endMonth {
		return !local.Before(start) && local.Before(end)
	}
	return !local.Before(start) || local.Before(end) // southern hemisphere: across the new year
}

// nthSunday is midnight of the week-th Sunday of a month (week 5: the last one).
func nthSunday(year, month, week int) time.Time {
	first := time.Date(year, time.Month(month), 1, 0, 0, 0, 0, time.UTC)
	d := first.AddDate(0, 0, (7-int(first.Weekday()))%7+7*(week-1))
	for d.Month() != time.Month(month) {
		d = d.AddDate(0, 0, -7)
	}
	return d
}
