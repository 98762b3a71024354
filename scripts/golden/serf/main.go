// Command golden-serf produces and checks serfts's golden vectors for Serf's
// own messages (the layer above memberlist), using the real go-msgpack 0.5.3.
//
// Serf keeps its message structs unexported, so this program declares
// look-alike structs with the same field names, types and tags; go-msgpack
// only sees names, kinds and tags, so the bytes are the ones Serf 0.9.4 puts on
// the wire. The ping payload uses Serf's exported coordinate.Coordinate.
//
// Go iterates maps in random order, so a message holding a map with two or
// more entries has several valid encodings. For those the program encodes the
// value many times and reports every distinct result ("hexVariants"); tests
// accept any of them.
//
// Usage:
//
//	golden-serf gen [dir]          write serf.json into dir (default tests/data/golden)
//	golden-serf decode <kind>      read one hex string on stdin, print the decoded JSON and "_hex"
//	golden-serf decode-batch       read "<kind> <hex>" lines, print one JSON line each
//
// Build offline against the Debian sources (tests do this themselves, into the temp directory):
//
//	cd scripts/golden/serf && GO111MODULE=off GOPATH=/usr/share/gocode GOPROXY=off go build -o /tmp/golden-serf main.go
//	cd ../../.. && /tmp/golden-serf gen
//
// Kinds: join leave pushPull userEvent query queryResponse conflictResponse keyRequest keyResponse
// (type byte + body), relay, filterNode, filterTag (filter type byte + body), tags (0xff + map),
// ping (version byte + coordinate).
package main

import (
	"bufio"
	"bytes"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"net"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"time"

	"github.com/hashicorp/go-msgpack/codec"
	"github.com/hashicorp/serf/coordinate"
)

// Serf's message type bytes.
const (
	typeLeave            = 0
	typeJoin             = 1
	typePushPull         = 2
	typeUserEvent        = 3
	typeQuery            = 4
	typeQueryResponse    = 5
	typeConflictResponse = 6
	typeKeyRequest       = 7
	typeKeyResponse      = 8
	typeRelay            = 9

	filterNodeType = 0
	filterTagType  = 1
	tagMagicByte   = 255
	pingVersion    = 1
)

type LamportTime uint64

type messageJoin struct {
	LTime LamportTime
	Node  string
}

type messageLeave struct {
	LTime LamportTime
	Node  string
	Prune bool
}

type userEvent struct {
	Name    string
	Payload []byte
}

type userEvents struct {
	LTime  LamportTime
	Events []userEvent
}

type messagePushPull struct {
	LTime        LamportTime
	StatusLTimes map[string]LamportTime
	LeftMembers  []string
	EventLTime   LamportTime
	Events       []*userEvents
	QueryLTime   LamportTime
}

type messageUserEvent struct {
	LTime   LamportTime
	Name    string
	Payload []byte
	CC      bool
}

type messageQuery struct {
	LTime       LamportTime
	ID          uint32
	Addr        []byte
	Port        uint16
	SourceNode  string
	Filters     [][]byte
	Flags       uint32
	RelayFactor uint8
	Timeout     time.Duration
	Name        string
	Payload     []byte
}

type messageQueryResponse struct {
	LTime   LamportTime
	ID      uint32
	From    string
	Flags   uint32
	Payload []byte
}

type filterNode []string

type filterTag struct {
	Tag  string
	Expr string
}

type relayHeader struct {
	DestAddr net.UDPAddr
	DestName string
}

type MemberStatus int

type Member struct {
	Name   string
	Addr   net.IP
	Port   uint16
	Tags   map[string]string
	Status MemberStatus

	ProtocolMin uint8
	ProtocolMax uint8
	ProtocolCur uint8
	DelegateMin uint8
	DelegateMax uint8
	DelegateCur uint8
}

type keyRequest struct {
	Key []byte
}

type nodeKeyResponse struct {
	Result     bool
	Message    string
	Keys       []string
	PrimaryKey string
}

// kinds maps a vector kind to its leading byte and a constructor for the
// value the rest decodes into.
var kinds = map[string]struct {
	lead byte
	make func() interface{}
}{
	"join":             {typeJoin, func() interface{} { return &messageJoin{} }},
	"leave":            {typeLeave, func() interface{} { return &messageLeave{} }},
	"pushPull":         {typePushPull, func() interface{} { return &messagePushPull{} }},
	"userEvent":        {typeUserEvent, func() interface{} { return &messageUserEvent{} }},
	"query":            {typeQuery, func() interface{} { return &messageQuery{} }},
	"queryResponse":    {typeQueryResponse, func() interface{} { return &messageQueryResponse{} }},
	"conflictResponse": {typeConflictResponse, func() interface{} { return &Member{} }},
	"keyRequest":       {typeKeyRequest, func() interface{} { return &keyRequest{} }},
	"keyResponse":      {typeKeyResponse, func() interface{} { return &nodeKeyResponse{} }},
	"filterNode":       {filterNodeType, func() interface{} { return &filterNode{} }},
	"filterTag":        {filterTagType, func() interface{} { return &filterTag{} }},
	"tags":             {tagMagicByte, func() interface{} { m := map[string]string{}; return &m }},
	"ping":             {pingVersion, func() interface{} { return &coordinate.Coordinate{} }},
}

func encode(v interface{}) []byte {
	var buf bytes.Buffer
	if err := codec.NewEncoder(&buf, &codec.MsgpackHandle{}).Encode(v); err != nil {
		panic(err)
	}
	return buf.Bytes()
}

func decode(b []byte, out interface{}) error {
	return codec.NewDecoder(bytes.NewReader(b), &codec.MsgpackHandle{}).Decode(out)
}

// variants encodes f() repeatedly and returns every distinct result, sorted.
// With at most 8 map entries Go's iteration order is a rotation of insertion
// order chosen at random, so 200 tries see every order with overwhelming odds.
func variants(f func() []byte) []string {
	seen := map[string]bool{}
	for i := 0; i < 200; i++ {
		seen[hex.EncodeToString(f())] = true
	}
	out := make([]string, 0, len(seen))
	for h := range seen {
		out = append(out, h)
	}
	sort.Strings(out)
	return out
}

// toJSON renders a decoded value for comparison: byte slices (including
// net.IP) as lowercase hex, structs as maps of field name, nil pointers as null,
// durations as integer nanoseconds.
func toJSON(v reflect.Value) interface{} {
	switch v.Kind() {
	case reflect.Ptr, reflect.Interface:
		if v.IsNil() {
			return nil
		}
		return toJSON(v.Elem())
	case reflect.Struct:
		out := map[string]interface{}{}
		for i := 0; i < v.NumField(); i++ {
			out[v.Type().Field(i).Name] = toJSON(v.Field(i))
		}
		return out
	case reflect.Slice:
		if v.Type().Elem().Kind() == reflect.Uint8 {
			return hex.EncodeToString(v.Bytes())
		}
		out := []interface{}{}
		for i := 0; i < v.Len(); i++ {
			out = append(out, toJSON(v.Index(i)))
		}
		return out
	case reflect.Map:
		out := map[string]interface{}{}
		for _, k := range v.MapKeys() {
			out[k.String()] = toJSON(v.MapIndex(k))
		}
		return out
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return v.Int()
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return v.Uint()
	case reflect.Float32, reflect.Float64:
		return v.Float()
	default:
		return v.Interface()
	}
}

func lead(b byte, v interface{}) []byte { return append([]byte{b}, encode(v)...) }

func relay(t byte, addr net.UDPAddr, name string, msg interface{}) []byte {
	out := append([]byte{typeRelay}, encode(relayHeader{DestAddr: addr, DestName: name})...)
	return append(out, lead(t, msg)...)
}

type vector map[string]interface{}

func vec(name, kind string, v interface{}, extra vector) vector {
	hexes := variants(func() []byte { return lead(kinds[kind].lead, v) })
	out := vector{"name": name, "kind": kind, "hex": hexes[0], "fields": toJSON(reflect.ValueOf(v))}
	if len(hexes) > 1 {
		out["hexVariants"] = hexes
	}
	for k, x := range extra {
		out[k] = x
	}
	return out
}

func relayVector(name string, addr net.UDPAddr, dest string, inner *messageQueryResponse) vector {
	return vector{"name": name, "kind": "relay", "hex": hex.EncodeToString(relay(typeQueryResponse, addr, dest, inner)),
		"fields": map[string]interface{}{"DestAddr": toJSON(reflect.ValueOf(addr)), "DestName": dest,
			"Inner": hex.EncodeToString(lead(typeQueryResponse, inner))}}
}

var ipv6 = net.ParseIP("2001:db8::1")

func serfVectors() []vector {
	long300 := strings.Repeat("n", 300)
	big := LamportTime(1 << 40)
	key16 := bytes.Repeat([]byte{0x11}, 16)
	emptyKey, _ := base64.StdEncoding.DecodeString("") // what `serf keys -list` sends: empty, not nil
	nodeFilter := lead(filterNodeType, []string{"web-1", "db-1"})
	tagFilter := lead(filterTagType, &filterTag{Tag: "role", Expr: "^web"})
	ack := &messageQueryResponse{LTime: 9, ID: 77, From: "b", Flags: 1}
	return []vector{
		vec("join", "join", &messageJoin{LTime: 1, Node: "node-a"}, nil),
		vec("join_zero", "join", &messageJoin{}, nil),
		vec("join_big_ltime", "join", &messageJoin{LTime: big, Node: "név-ü"}, nil),
		vec("join_max_safe_ltime", "join", &messageJoin{LTime: 1<<53 - 1, Node: long300}, nil),
		vec("leave", "leave", &messageLeave{LTime: 12, Node: "node-b"}, nil),
		vec("leave_prune", "leave", &messageLeave{LTime: 4294967295, Node: "x", Prune: true}, nil),
		vec("push_pull_empty", "pushPull", &messagePushPull{StatusLTimes: map[string]LamportTime{},
			LeftMembers: []string{}, Events: []*userEvents{}}, nil),
		vec("push_pull_one", "pushPull", &messagePushPull{LTime: 5, StatusLTimes: map[string]LamportTime{"a": 3},
			LeftMembers: []string{"gone"}, EventLTime: 7, QueryLTime: 2,
			Events: []*userEvents{{LTime: 6, Events: []userEvent{{Name: "deploy", Payload: []byte("v1")},
				{Name: "deploy", Payload: nil}}}}}, nil),
		vec("push_pull_multi", "pushPull", &messagePushPull{LTime: big, EventLTime: 128, QueryLTime: 65536,
			StatusLTimes: map[string]LamportTime{"a": 1, "b": 300, "ñ": big}, LeftMembers: []string{"c", "d"},
			Events: []*userEvents{{LTime: 127, Events: []userEvent{{Name: "e", Payload: []byte{0, 255}}}},
				{LTime: 128, Events: []userEvent{}}}}, nil),
		// Serf sends its whole event ring, empty slots included, as nil entries.
		vec("push_pull_nil_slots", "pushPull", &messagePushPull{LTime: 3, StatusLTimes: map[string]LamportTime{"a": 2},
			LeftMembers: []string{}, EventLTime: 2,
			Events: []*userEvents{nil, {LTime: 1, Events: []userEvent{{Name: "x"}}}, nil, nil}},
			vector{"decodeOnly": true}),
		vec("push_pull_nil_fields", "pushPull", &messagePushPull{LTime: 1}, vector{"decodeOnly": true}),
		vec("user_event", "userEvent", &messageUserEvent{LTime: 3, Name: "deploy", Payload: []byte("v1.2.3"), CC: true}, nil),
		vec("user_event_nil_payload", "userEvent", &messageUserEvent{LTime: 0, Name: ""}, nil),
		vec("user_event_long", "userEvent", &messageUserEvent{LTime: big, Name: "ünïcode-☃",
			Payload: bytes.Repeat([]byte{0xfe}, 300)}, nil),
		vec("query", "query", &messageQuery{LTime: 4, ID: 123456, Addr: net.IP{127, 0, 0, 1}, Port: 7946,
			SourceNode: "node-a", Flags: 1, RelayFactor: 2, Timeout: 5 * time.Second, Name: "uptime",
			Payload: []byte("now")}, nil),
		vec("query_filters", "query", &messageQuery{LTime: big, ID: 4294967295, Addr: ipv6, Port: 65535,
			SourceNode: long300, Filters: [][]byte{nodeFilter, tagFilter}, Flags: 3, RelayFactor: 255,
			Timeout: 1500 * time.Millisecond, Name: "_serf_ping"}, nil),
		vec("query_empty_filters", "query", &messageQuery{LTime: 1, ID: 1, Addr: net.IP{10, 0, 0, 1}, Port: 1,
			SourceNode: "a", Filters: [][]byte{}, Timeout: 1}, vector{"decodeOnly": true}),
		vec("query_ipv4_in_16", "query", &messageQuery{LTime: 2, ID: 2, Addr: net.ParseIP("10.0.0.2"), Port: 7946,
			SourceNode: "b", Timeout: 40 * time.Hour, Name: "q"}, nil),
		vec("query_response", "queryResponse", &messageQueryResponse{LTime: 4, ID: 123456, From: "node-b",
			Payload: []byte("up 3 days")}, nil),
		vec("query_response_ack", "queryResponse", ack, nil),
		vec("query_response_big", "queryResponse", &messageQueryResponse{LTime: big, ID: 4294967295,
			From: "ñ", Flags: 4294967295, Payload: bytes.Repeat([]byte{7}, 300)}, nil),
		vec("conflict_member", "conflictResponse", &Member{Name: "dup", Addr: net.IP{127, 0, 0, 1}, Port: 7946,
			Tags: map[string]string{"role": "web"}, Status: 1, ProtocolMin: 1, ProtocolMax: 5, ProtocolCur: 2,
			DelegateMin: 2, DelegateMax: 5, DelegateCur: 4}, nil),
		vec("conflict_member_tags", "conflictResponse", &Member{Name: "dup", Addr: ipv6, Port: 1,
			Tags: map[string]string{"dc": "east", "role": "db", "ü": "☃"}, Status: 4}, nil),
		vec("conflict_member_no_tags", "conflictResponse", &Member{Name: "z", Addr: net.IP{10, 1, 2, 3},
			Tags: map[string]string{}, Status: 3, ProtocolMax: 5}, nil),
		{"name": "conflict_unknown", "kind": "conflictResponse", "hex": hex.EncodeToString(lead(typeConflictResponse, (*Member)(nil))),
			"fields": nil},
		vec("key_request", "keyRequest", &keyRequest{Key: key16}, nil),
		vec("key_request_list", "keyRequest", &keyRequest{Key: emptyKey}, nil),
		vec("key_request_nil", "keyRequest", &keyRequest{}, vector{"decodeOnly": true}),
		vec("key_response_ok", "keyResponse", &nodeKeyResponse{Result: true}, nil),
		vec("key_response_error", "keyResponse", &nodeKeyResponse{Message: "Removing the primary key is not allowed"}, nil),
		vec("key_response_list", "keyResponse", &nodeKeyResponse{Result: true,
			Keys:       []string{base64.StdEncoding.EncodeToString(key16), base64.StdEncoding.EncodeToString(make([]byte, 32))},
			PrimaryKey: base64.StdEncoding.EncodeToString(key16)}, nil),
		vec("filter_node", "filterNode", &filterNode{"web-1", "db-1"}, nil),
		vec("filter_node_one", "filterNode", &filterNode{"ñode"}, nil),
		vec("filter_node_empty", "filterNode", &filterNode{}, nil),
		vec("filter_tag", "filterTag", &filterTag{Tag: "role", Expr: "^web"}, nil),
		vec("filter_tag_empty", "filterTag", &filterTag{}, nil),
		vec("tags_empty", "tags", &map[string]string{}, nil),
		vec("tags_one", "tags", &map[string]string{"role": "web"}, nil),
		vec("tags_unicode", "tags", &map[string]string{"dc": "ëast", "role": "web", "☃": strings.Repeat("v", 40)}, nil),
		vec("ping_coordinate", "ping", &coordinate.Coordinate{Vec: []float64{0.001, -0.0025, 0, 1, 0, 0, 0, 1e-9},
			Error: 1.5, Adjustment: -0.0001, Height: 1e-5}, nil),
		vec("ping_coordinate_integral", "ping", &coordinate.Coordinate{Vec: make([]float64, 8), Error: 1, Adjustment: 0,
			Height: 2}, nil),
		vec("ping_coordinate_extremes", "ping", &coordinate.Coordinate{Vec: []float64{math.MaxFloat64, math.SmallestNonzeroFloat64, -1e300},
			Error: 0.25, Adjustment: 3, Height: 0.5}, nil),
		relayVector("relay_ipv4", net.UDPAddr{IP: net.IP{127, 0, 0, 1}, Port: 7946}, "node-a", ack),
		relayVector("relay_ipv6_zone", net.UDPAddr{IP: net.ParseIP("fe80::1"), Port: 65535, Zone: "eth0"}, "ñode",
			&messageQueryResponse{LTime: big, ID: 5, From: "c", Payload: []byte("pong")}),
	}
}

// decodeOne decodes one input of the given kind and returns its JSON form
// with "_hex" (Go's re-encoding, the smallest variant) and "_hexVariants"
// (every distinct re-encoding, when there is more than one), or {"error": ...}.
func decodeOne(kind string, b []byte) (result interface{}) {
	defer func() {
		if r := recover(); r != nil {
			result = map[string]interface{}{"error": fmt.Sprint(r)}
		}
	}()
	fail := func(err error) interface{} { return map[string]interface{}{"error": err.Error()} }
	if kind == "relay" {
		return decodeRelay(b)
	}
	k, ok := kinds[kind]
	if !ok {
		return fail(fmt.Errorf("unknown kind %q", kind))
	}
	if len(b) < 1 || b[0] != k.lead {
		return fail(fmt.Errorf("wrong leading byte for %s", kind))
	}
	v := k.make()
	if err := decode(b[1:], v); err != nil {
		return fail(err)
	}
	out := map[string]interface{}{}
	if fields, ok := toJSON(reflect.ValueOf(v)).(map[string]interface{}); ok {
		out = fields
	} else {
		out["_value"] = toJSON(reflect.ValueOf(v))
	}
	hexes := variants(func() []byte { return lead(k.lead, v) })
	out["_hex"] = hexes[0]
	if len(hexes) > 1 {
		out["_hexVariants"] = hexes
	}
	return out
}

// decodeRelay reads a relay header the way Serf's delegate does and reports the
// inner message as hex, as Serf forwards it verbatim.
func decodeRelay(b []byte) interface{} {
	if len(b) < 1 || b[0] != typeRelay {
		return map[string]interface{}{"error": "not a relay message"}
	}
	var h relayHeader
	r := bytes.NewReader(b[1:])
	if err := codec.NewDecoder(r, &codec.MsgpackHandle{}).Decode(&h); err != nil {
		return map[string]interface{}{"error": err.Error()}
	}
	inner, _ := io.ReadAll(r)
	reencoded := append(append([]byte{typeRelay}, encode(h)...), inner...)
	return map[string]interface{}{"DestAddr": toJSON(reflect.ValueOf(h.DestAddr)), "DestName": h.DestName,
		"Inner": hex.EncodeToString(inner), "DestString": h.DestAddr.String(), "_hex": hex.EncodeToString(reencoded)}
}

func printDecoded(kind, hexText string) {
	b, err := hex.DecodeString(strings.TrimSpace(hexText))
	var result interface{}
	if err != nil {
		result = map[string]interface{}{"error": "bad hex: " + err.Error()}
	} else {
		result = decodeOne(kind, b)
	}
	line, err := json.Marshal(result)
	if err != nil {
		line, _ = json.Marshal(map[string]interface{}{"error": "cannot render: " + err.Error()})
	}
	fmt.Println(string(line))
}

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: golden-serf gen [dir] | decode <kind> | decode-batch")
		os.Exit(2)
	}
	switch os.Args[1] {
	case "gen":
		dir := filepath.Join("tests", "data", "golden")
		if len(os.Args) > 2 {
			dir = os.Args[2]
		}
		b, err := json.MarshalIndent(map[string]interface{}{
			"generator": "scripts/golden/serf/main.go (go-msgpack 0.5.3, Serf 0.9.4 structs)",
			"vectors":   serfVectors(),
		}, "", "  ")
		if err != nil {
			panic(err)
		}
		if err := os.WriteFile(filepath.Join(dir, "serf.json"), append(b, '\n'), 0o644); err != nil {
			panic(err)
		}
	case "decode":
		if len(os.Args) < 3 {
			fmt.Fprintln(os.Stderr, "usage: golden-serf decode <kind> < hex")
			os.Exit(2)
		}
		in, err := io.ReadAll(os.Stdin)
		if err != nil {
			panic(err)
		}
		printDecoded(os.Args[2], string(in))
	case "decode-batch":
		scanner := bufio.NewScanner(os.Stdin)
		scanner.Buffer(make([]byte, 1<<20), 1<<26)
		for scanner.Scan() {
			kind, hexText, _ := strings.Cut(scanner.Text(), " ")
			printDecoded(kind, hexText)
		}
		if err := scanner.Err(); err != nil {
			panic(err)
		}
	default:
		fmt.Fprintf(os.Stderr, "unknown mode %q\n", os.Args[1])
		os.Exit(2)
	}
}
