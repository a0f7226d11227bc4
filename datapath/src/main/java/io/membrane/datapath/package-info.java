/**
 * Membrane's datapath module. It is filled by later issues; see ../shared/DESIGN.md for what it will own.
 */
package io.membrane.datapath;
