/**
 * The agent's commands: {@code agent} runs the daemon on a host, {@code migrate} and
 * {@code status} talk to a running agent over its admin socket.
 */
package org.attestedmigration.cli.agent;
