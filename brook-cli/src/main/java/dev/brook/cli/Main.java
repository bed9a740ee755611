package dev.brook.cli;
/** Entry point of bin/brook. */
public final class Main { public static void main(String[] args) { System.out.println("brook: not built yet"); } }
