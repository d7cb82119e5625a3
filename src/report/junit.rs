//! JUnit XML of `fleetsim check`, the shape CI systems read: a test suite
//! per scenario, a test case per expectation, a `<failure>` where it failed.

use crate::check::Verdict;

fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for ch in text.chars() {
        match ch {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            // Control characters are not allowed in XML 1.0.
            c if (c as u32) < 0x20 && !matches!(c, '\t' | '\n' | '\r') => out.push(' '),
            c => out.push(c),
        }
    }
    out
}

/// Per scenario (in the order checked): its name and its verdicts.
pub fn junit_xml(suites: &[(String, Vec<Verdict>)]) -> Vec<u8> {
    let tests: usize = suites.iter().map(|s| s.1.len()).sum();
    let failures: usize = suites.iter().map(|s| s.1.iter().filter(|v| !v.passed).count()).sum();
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    out.push_str(&format!("<testsuites name=\"fleetsim check\" tests=\"{tests}\" failures=\"{failures}\">\n"));
    for (name, verdicts) in suites {
        let failed = verdicts.iter().filter(|v| !v.passed).count();
        out.push_str(&format!(
            "  <testsuite name=\"{}\" tests=\"{}\" failures=\"{failed}\">\n",
            escape(name),
            verdicts.len()
        ));
        for v in verdicts {
            let case = format!("    <testcase classname=\"{}\" name=\"{}\"", escape(name), escape(&v.name()));
            if v.passed {
                out.push_str(&format!(
                    "{case}>\n      <system-out>{}</system-out>\n    </testcase>\n",
                    escape(&v.measured_text())
                ));
            } else {
                out.push_str(&format!(
                    "{case}>\n      <failure message=\"{}\"/>\n    </testcase>\n",
                    escape(&v.measured_text())
                ));
            }
        }
        out.push_str("  </testsuite>\n");
    }
    out.push_str("</testsuites>\n");
    out.into_bytes()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::check::{Expectation, Metric, Statistic};

    #[test]
    fn names_are_escaped_and_failures_marked() {
        let verdict = |passed| Verdict {
            expectation: Expectation {
                metric: Metric::LatencyP99Ms,
                service: None,
                min: None,
                max: Some(300.0),
                over: Statistic::Mean,
            },
            seeds: 1,
            measured: 410.0,
            per_seed: vec![410.0],
            passed,
        };
        let xml = String::from_utf8(junit_xml(&[("a<b>&\"c\"".into(), vec![verdict(false), verdict(true)])])).unwrap();
        assert!(xml.contains("name=\"a&lt;b&gt;&amp;&quot;c&quot;\""), "{xml}");
        assert!(xml.contains("tests=\"2\" failures=\"1\""), "{xml}");
        assert_eq!(xml.matches("<failure").count(), 1);
        assert!(xml.contains("latency_p99_ms ≤ 300 (mean of 1 seed)"));
    }
}
