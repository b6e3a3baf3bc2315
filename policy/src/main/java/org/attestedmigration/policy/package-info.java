/**
 * The administrator's trust policy: which hosts may exchange VMs, in which direction, on what
 * measured software. A {@link org.attestedmigration.policy.Policy} is loaded strictly from YAML or
 * JSON, evaluated against verified evidence to a {@link org.attestedmigration.policy.Verdict}
 * with one reason per failed rule, and signed by the administrator.
 */
package org.attestedmigration.policy;
