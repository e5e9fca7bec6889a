@groups
Feature: Operators add users to groups in bulk
  In order to give many people the same rights at once
  As an operator
  I want to add all users, or the users of one email domain, to a group, and safely do it twice

  Background:
    Given 30 users at "example.org" and 20 users at "other.net"

  Scenario: The operator adds a domain's users to a new group
    When the operator adds the users at "example.org" to the new group "Editors"
    Then the operator is told "30 added to Editors, 0 already belonged"
    And the group "Editors" has 30 members

  Scenario: Adding them twice changes nothing
    Given the operator has added the users at "example.org" to the new group "Editors"
    When the operator adds the users at "example.org" to the group "Editors"
    Then the operator is told "0 added to Editors, 30 already belonged"
    And the group "Editors" has 30 members

  Scenario: The operator adds everyone
    Given the operator has added the users at "example.org" to the new group "Everyone"
    When the operator adds all users to the group "Everyone"
    Then the operator is told "20 added to Everyone, 30 already belonged"
    And the group "Everyone" has 50 members
