package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
)

// TestStepping: with the pacing in stepping mode a classification job and an
// aggregation advance only when stepped, through each status, on both stores;
// either can be ended TERMINATED; switching stepping off lets them go on.
func TestStepping(t *testing.T) {
	t.Run("sqlite", func(t *testing.T) { testStepping(t) })
	t.Run("postgres", func(t *testing.T) { testStepping(t, "--database", postgresDSN(t)) })
}

type stepStatus struct {
	Status string           `json:"status"`
	Counts map[string]int64 `json:"counts"`
}

func (c *client) step(path string, body any) stepStatus {
	c.t.Helper()
	code, b := c.do(http.MethodPost, path, body)
	if code != 200 {
		c.t.Fatalf("step %s %v: %d %s", path, body, code, b)
	}
	var s stepStatus
	if err := json.Unmarshal(b, &s); err != nil {
		c.t.Fatal(err)
	}
	return s
}

func testStepping(t *testing.T, args ...string) {
	t.Setenv("MICA_DEMO_IDENTITIES", "40")
	m, c := bootDemo(t, t.TempDir(), args...)
	src := sourceID(t, c, "Active Directory")
	if code, b := c.do(http.MethodPut, "/v2025/sources/"+src+"/machine-classification-config", svcCriteria); code != 200 {
		t.Fatalf("PUT config: %d %s", code, b)
	}
	if code, b := c.do(http.MethodPut, "/mica/v1/classification/pacing", map[string]any{"batchSize": 10, "delayMs": 0, "stepping": true}); code != 200 ||
		!strings.Contains(string(b), `"stepping":true`) {
		t.Fatalf("pacing: %d %s", code, b)
	}
	stepPath := "/mica/v1/classification/jobs/" + src + "/step"
	// The demo classified its directories once; Slack never ran a job.
	if code, _ := c.do(http.MethodPost, "/mica/v1/classification/jobs/"+sourceID(t, c, "Slack")+"/step", nil); code != 404 {
		t.Fatalf("step before any job: %d", code)
	}
	if code, b := c.do(http.MethodPost, "/v2025/sources/"+src+"/classify", nil); code != 200 {
		t.Fatalf("classify: %d %s", code, b)
	}
	s := c.status(src)
	expected := s.Counts["EXPECTED"]
	if s.Status != "STARTED" || s.Counts["RECEIVED"] != 0 || expected <= 30 {
		t.Fatalf("held job: %+v", s)
	}
	if got := c.step(stepPath, map[string]any{"batches": 1}); got.Status != "STARTED" || got.Counts["RECEIVED"] != 10 {
		t.Fatalf("one batch: %+v", got)
	}
	if got := c.status(src); got.Counts["RECEIVED"] != 10 {
		t.Fatalf("the job moved by itself: %+v", got)
	}
	if got := c.step(stepPath, map[string]any{"status": "COLLECTED"}); got.Status != "COLLECTED" ||
		got.Counts["RECEIVED"] != expected || got.Counts["COMPLETED"] != 0 {
		t.Fatalf("to COLLECTED: %+v", got)
	}
	if got := c.step(stepPath, map[string]any{"batches": 2}); got.Status != "COLLECTED" || got.Counts["COMPLETED"] != 20 {
		t.Fatalf("two classify batches: %+v", got)
	}
	if got := c.step(stepPath, map[string]any{"status": "COMPLETED"}); got.Status != "COMPLETED" || got.Counts["COMPLETED"] != expected {
		t.Fatalf("to COMPLETED: %+v", got)
	}
	for _, body := range []any{map[string]any{}, map[string]any{"batches": 0}, map[string]any{"status": "DONE"},
		map[string]any{"batches": 1, "status": "COMPLETED"}} {
		if code, _ := c.do(http.MethodPost, stepPath, body); code != 400 {
			t.Fatalf("step %v of an ended job or a bad body: %d", body, code)
		}
	}
	// A second job, ended TERMINATED half way.
	if code, b := c.do(http.MethodPost, "/v2025/sources/"+src+"/classify", nil); code != 200 {
		t.Fatalf("classify again: %d %s", code, b)
	}
	c.step(stepPath, nil)
	if got := c.step(stepPath, map[string]any{"status": "TERMINATED"}); got.Status != "TERMINATED" || got.Counts["RECEIVED"] != 10 {
		t.Fatalf("terminated: %+v", got)
	}

	// An aggregation, held after staging and after collecting.
	csvSrc := sourceID(t, c, "Service Accounts CSV")
	task := uploadCSV(t, c, csvSrc, "id,name\n1,svc_one\n2,svc_two\n")
	aggPath := "/mica/v1/account-aggregations/" + task + "/step"
	if got := c.step(aggPath, nil); got.Status != "ACCOUNTS_COLLECTED" {
		t.Fatalf("aggregation step 1: %+v", got)
	}
	if n := accountCount(t, c, csvSrc); n != 0 {
		t.Fatalf("accounts applied before COMPLETED: %d", n)
	}
	if got := c.step(aggPath, nil); got.Status != "COMPLETED" {
		t.Fatalf("aggregation step 2: %+v", got)
	}
	if n := accountCount(t, c, csvSrc); n != 2 {
		t.Fatalf("accounts after COMPLETED: %d", n)
	}
	if code, _ := c.do(http.MethodPost, aggPath, nil); code != 400 {
		t.Fatalf("step of an ended aggregation: %d", code)
	}
	task = uploadCSV(t, c, csvSrc, "id,name\n3,svc_three\n")
	if got := c.step(aggPath[:len("/mica/v1/account-aggregations/")]+task+"/step", map[string]any{"status": "COMPLETED"}); got.Status != "COMPLETED" {
		t.Fatalf("aggregation to COMPLETED: %+v", got)
	}
	task = uploadCSV(t, c, csvSrc, "id,name\n4,svc_four\n")
	if got := c.step("/mica/v1/account-aggregations/"+task+"/step", map[string]any{"status": "TERMINATED"}); got.Status != "TERMINATED" {
		t.Fatalf("aggregation terminated: %+v", got)
	}
	// A file replaces the source's accounts: the third file's one account is
	// left, not the terminated fourth's.
	if n := accountCount(t, c, csvSrc); n != 1 {
		t.Fatalf("accounts after a terminated aggregation: %d", n)
	}
	if code, b := c.do(http.MethodGet, "/v2025/accounts?filters=name+eq+%22svc_three%22", nil); code != 200 || !strings.Contains(string(b), "svc_three") {
		t.Fatalf("the third file's account: %d %s", code, b)
	}

	// A held aggregation and a held job when a snapshot is restored: both cancelled cleanly.
	if code, b := c.do(http.MethodPost, "/mica/v1/snapshots", map[string]any{"name": "s"}); code != 201 {
		t.Fatalf("save: %d %s", code, b)
	}
	task = uploadCSV(t, c, csvSrc, "id,name\n5,svc_five\n")
	if code, b := c.do(http.MethodPost, "/mica/v1/snapshots/s/restore", nil); code != 204 {
		t.Fatalf("restore with a held aggregation: %d %s", code, b)
	}
	if code, b := c.do(http.MethodGet, "/v2025/account-aggregations/"+task+"/status", nil); code != 404 {
		t.Fatalf("aggregation after the restore: %d %s", code, b)
	}

	// Stepping off: a held job goes on by itself.
	if code, b := c.do(http.MethodPost, "/v2025/sources/"+src+"/classify", nil); code != 200 {
		t.Fatalf("classify a third time: %d %s", code, b)
	}
	if code, b := c.do(http.MethodPut, "/mica/v1/classification/pacing", map[string]any{"batchSize": 10, "delayMs": 0, "stepping": false}); code != 200 {
		t.Fatalf("pacing off: %d %s", code, b)
	}
	waitStatus(t, c, src, "COMPLETED")
	_ = m
}

func uploadCSV(t *testing.T, c *client, srcID, csv string) string {
	t.Helper()
	var body bytes.Buffer
	ct := multipartWriter(&body, "accounts.csv", csv)
	req, _ := http.NewRequest(http.MethodPost, c.base+"/v2025/sources/"+srcID+"/load-accounts", &body)
	req.Header.Set("Authorization", "Bearer "+c.tok)
	req.Header.Set("Content-Type", ct)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = resp.Body.Close() }()
	var task struct {
		Task struct {
			ID string `json:"id"`
		} `json:"task"`
	}
	_ = json.NewDecoder(resp.Body).Decode(&task)
	if resp.StatusCode != 202 || task.Task.ID == "" {
		t.Fatalf("load-accounts: %d", resp.StatusCode)
	}
	return task.Task.ID
}

func accountCount(t *testing.T, c *client, srcID string) int {
	t.Helper()
	code, b := c.do(http.MethodGet, fmt.Sprintf("/v2025/accounts?filters=sourceId+eq+%%22%s%%22", srcID), nil)
	var list []any
	if code != 200 || json.Unmarshal(b, &list) != nil {
		t.Fatalf("accounts: %d %s", code, b)
	}
	return len(list)
}
